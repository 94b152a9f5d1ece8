import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { createFaceAnalyzer, type FaceAnalyzer, type FaceAnalyzerOptions } from './analyzer.js';
import { ImageDecodeError, ImageTooLargeError } from './errors.js';
import type { ThreadReply, ThreadTask } from './analysisThread.js';
import type { FaceAnalysisResult, FaceDetectionResult } from './types.js';

export interface ThreadedFaceAnalyzerOptions extends Omit<FaceAnalyzerOptions, 'detector'> {
  /** Worker threads, each with its own copy of the models (about 60 MB each). */
  threads: number;
}

/**
 * The face-analysis engine on a pool of worker threads (piscina). ONNX Runtime's `session.run` is
 * synchronous and a portrait takes 90-380 ms of CPU, so an analysis run on a server's event loop
 * stalls every request that server holds; here it runs on one of `threads` threads, each of which
 * loads the models once and keeps them, and analyses beyond that wait in the pool's queue. Same
 * contract as {@link createFaceAnalyzer}, input errors included.
 */
export function createThreadedFaceAnalyzer(options: ThreadedFaceAnalyzerOptions): FaceAnalyzer {
  const { threads, ...analyzerOptions } = options;
  // By default each ONNX Runtime session may use every core; with several threads analysing at
  // once they would only take cores from one another, so each gets its share.
  const settings: FaceAnalyzerOptions = {
    intraOpNumThreads: Math.max(1, Math.floor(availableParallelism() / threads)),
    ...analyzerOptions,
  };
  const pool = new Piscina<ThreadTask, ThreadReply>({
    filename: new URL('./analysisThread.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // The models stay loaded: a thread is never retired for being idle.
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: settings,
  });
  // The identifiers the threads' analyzers report; creating an analyzer opens no model.
  const { models } = createFaceAnalyzer(settings);
  let closed = false;

  const run = async (task: ThreadTask) => {
    if (closed) throw new Error('The face analyzer is closed.');
    const reply = await pool.run(task);
    if (reply.ok) return reply.result;
    const { name, message, limit } = reply.inputError;
    throw name === 'ImageTooLargeError' && limit ? new ImageTooLargeError(message, limit) : new ImageDecodeError(message);
  };

  return {
    models,
    analyze: async (bytes) => (await run({ kind: 'analyze', bytes })) as FaceAnalysisResult,
    detect: async (bytes) => (await run({ kind: 'detect', bytes })) as FaceDetectionResult,
    // Every thread loads its models: one warm-up task per thread, all at once (each thread takes one).
    warmUp: async () => {
      await Promise.all(Array.from({ length: threads }, () => run({ kind: 'warmUp' })));
    },
    async close() {
      if (closed) return;
      closed = true;
      // Analyses already queued or running finish first; then the threads (and their models) go.
      await pool.close();
    },
  };
}
