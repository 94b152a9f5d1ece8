import { InferenceSession } from 'onnxruntime-node';

/** Options for every ONNX Runtime session the engine opens (CPU execution provider). */
export interface SessionSettings {
  /**
   * Threads one model run may use. ONNX Runtime's default is one per physical core; a server that
   * analyses several images at once may want fewer per run.
   */
  intraOpNumThreads?: number;
  /**
   * Let ONNX Runtime's worker threads busy-wait for the next job instead of sleeping. ONNX Runtime
   * spins by default; the engine does not, because an analysis runs the decoder and four models in
   * turn and threads spinning after one model's run take the CPU from the next step (measured: a
   * full analysis took about twice as long with spinning on a 2-core machine).
   */
  allowSpinning?: boolean;
}

/** ONNX Runtime options for the engine's sessions: CPU, full graph optimisation, `settings` applied. */
export function sessionOptions(settings: SessionSettings = {}): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(settings.intraOpNumThreads ? { intraOpNumThreads: settings.intraOpNumThreads } : {}),
    extra: { session: { intra_op: { allow_spinning: settings.allowSpinning ? '1' : '0' } } },
  };
}

/**
 * An ONNX model opened on first use and then shared. Opening a session parses and optimises the
 * graph (tens of milliseconds to seconds), so it happens once per process rather than per request;
 * concurrent first callers wait on the same promise instead of opening the model twice. A failed
 * open is forgotten so that the next call can retry (a model file briefly unreadable during a
 * deploy should not poison the process).
 */
export class LazySession {
  #session: Promise<InferenceSession> | undefined;
  #closed = false;

  constructor(
    readonly path: string,
    private readonly settings: SessionSettings = {},
  ) {}

  get(): Promise<InferenceSession> {
    if (this.#closed) return Promise.reject(new Error(`The model ${this.path} was closed.`));
    if (!this.#session) {
      const opening = InferenceSession.create(this.path, sessionOptions(this.settings));
      this.#session = opening;
      opening.catch(() => {
        if (this.#session === opening) this.#session = undefined;
      });
    }
    return this.#session;
  }

  /** Releases the native session; later `get()` calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    if (!session) return;
    try {
      await (await session).release();
    } catch {
      // A session that never opened has nothing to release.
    }
  }
}
