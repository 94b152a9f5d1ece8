import { performance } from 'node:perf_hooks';
import type { FaceDetector } from './detector.js';
import { ExpressionModel, EyeModel, LandmarkModel } from './face-models.js';
import { decodeImage, type DecodeLimits, type RgbImage } from './image.js';
import type { SessionSettings } from './session.js';
import type { AnalyzedFace, DetectedFace, FaceAnalysisResult, FaceDetectionResult, ModelIds } from './types.js';
import { UltraFaceDetector, type UltraFaceOptions } from './ultraface.js';

export interface FaceAnalyzerOptions extends SessionSettings {
  /**
   * The detector to use; defaults to UltraFace from the faceplugin package. The analyzer takes
   * ownership: `close()` closes it.
   */
  detector?: FaceDetector;
  /** Settings of the default UltraFace detector (ignored when `detector` is given). */
  ultraFace?: Omit<UltraFaceOptions, 'modelDir' | keyof SessionSettings>;
  /** Directory holding the faceplugin `.onnx` files, instead of the installed npm package. */
  modelDir?: string;
  /** Largest accepted encoded image, in bytes. Default 20 MiB. */
  maxBytes?: number;
  /** Largest accepted decoded image, in pixels (width x height). Default 40 million. */
  maxPixels?: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 40_000_000 };

export interface FaceAnalyzer {
  /** Identifiers of the models in use, as reported in every result. */
  readonly models: ModelIds;
  /**
   * Finds the faces in an encoded image and describes each: box, 68 landmarks, eye state and
   * expression.
   *
   * @throws ImageDecodeError when the bytes are not a supported, intact image.
   * @throws ImageTooLargeError when the image exceeds the configured byte or pixel limit.
   */
  analyze(bytes: Uint8Array): Promise<FaceAnalysisResult>;
  /** Detection alone, for callers that only need boxes; same errors as `analyze`. */
  detect(bytes: Uint8Array): Promise<FaceDetectionResult>;
  /** Loads every model now, so the first request does not pay for it (e.g. before a readiness probe passes). */
  warmUp(): Promise<void>;
  /** Waits for analyses in progress, then frees the models; later calls reject. */
  close(): Promise<void>;
}

/**
 * Creates the face-analysis engine. Creating it is cheap: models load on first use (or on
 * `warmUp()`), once, and are shared by all later and concurrent calls, so one analyzer should live
 * as long as the process.
 */
export function createFaceAnalyzer(options: FaceAnalyzerOptions = {}): FaceAnalyzer {
  const modelSettings = {
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...(options.allowSpinning ? { allowSpinning: true } : {}),
    ...(options.modelDir ? { modelDir: options.modelDir } : {}),
  };
  const detector = options.detector ?? new UltraFaceDetector({ ...options.ultraFace, ...modelSettings });
  const landmarks = new LandmarkModel(modelSettings);
  const eyes = new EyeModel(modelSettings);
  const expression = new ExpressionModel(modelSettings);
  const limits: DecodeLimits = {
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxPixels: options.maxPixels ?? DEFAULT_LIMITS.maxPixels,
  };
  const models: ModelIds = { detector: detector.id, landmarks: landmarks.id, eyes: eyes.id, expression: expression.id };

  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  /** Runs `work` unless closed, and remembers it so `close()` does not free a model under it. */
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The face analyzer is closed.'));
    const promise = work();
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  const describe = async (image: RgbImage, face: DetectedFace): Promise<AnalyzedFace> => {
    const [points, faceExpression] = await Promise.all([landmarks.predict(image, face.box), expression.predict(image, face.box)]);
    return { score: face.score, box: face.box, landmarks: points, eyes: await eyes.predict(image, points), expression: faceExpression };
  };

  return {
    models,

    analyze: (bytes) =>
      track(async () => {
        const started = performance.now();
        const image = await decodeImage(bytes, limits);
        const detected = await detector.detect(image);
        const faces = await Promise.all(detected.map((face) => describe(image, face)));
        return { width: image.width, height: image.height, models, durationMs: performance.now() - started, faces };
      }),

    detect: (bytes) =>
      track(async () => {
        const started = performance.now();
        const image = await decodeImage(bytes, limits);
        const faces = await detector.detect(image);
        return { width: image.width, height: image.height, detector: detector.id, durationMs: performance.now() - started, faces };
      }),

    warmUp: () =>
      track(() => Promise.all([detector.warmUp(), landmarks.warmUp(), eyes.warmUp(), expression.warmUp()]).then(() => undefined)),

    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      await Promise.all([detector.close(), landmarks.close(), eyes.close(), expression.close()]);
    },
  };
}
