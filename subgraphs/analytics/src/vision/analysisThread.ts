/**
 * The body of one analysis worker thread (see `threadPool.ts`): one face analyzer per thread, so each
 * thread opens the ONNX models once and keeps them for its life. ONNX Runtime's `session.run` and the
 * image decoding run here, off the event loop of the server that asked.
 */
import { workerData } from 'piscina';
import { createFaceAnalyzer, type FaceAnalyzerOptions } from './analyzer.js';
import { ImageInputError, ImageTooLargeError } from './errors.js';
import type { FaceAnalysisResult, FaceDetectionResult } from './types.js';

export type ThreadTask = { kind: 'analyze' | 'detect'; bytes: Uint8Array } | { kind: 'warmUp' };

/**
 * What a thread answers. Input errors cross the thread boundary as data: a structured clone keeps an
 * error's message but not its class, and callers tell a bad image from a failure by its class.
 */
export type ThreadReply =
  | { ok: true; result: FaceAnalysisResult | FaceDetectionResult | null }
  | { ok: false; inputError: { name: string; message: string; limit?: ImageTooLargeError['limit'] } };

const analyzer = createFaceAnalyzer((workerData ?? {}) as FaceAnalyzerOptions);

export default async function runTask(task: ThreadTask): Promise<ThreadReply> {
  try {
    if (task.kind === 'warmUp') {
      await analyzer.warmUp();
      return { ok: true, result: null };
    }
    const result = task.kind === 'analyze' ? await analyzer.analyze(task.bytes) : await analyzer.detect(task.bytes);
    return { ok: true, result };
  } catch (err) {
    if (!(err instanceof ImageInputError)) throw err;
    return {
      ok: false,
      inputError: { name: err.name, message: err.message, ...(err instanceof ImageTooLargeError ? { limit: err.limit } : {}) },
    };
  }
}
