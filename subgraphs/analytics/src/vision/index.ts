/**
 * Face analysis for the analytics subgraph: face boxes, 68-point landmarks, eye state and facial
 * expression from an encoded image, on CPU with ONNX Runtime.
 */
export { createFaceAnalyzer, DEFAULT_LIMITS, type FaceAnalyzer, type FaceAnalyzerOptions } from './analyzer.js';
export { clipBox, nonMaxSuppression, type FaceDetector } from './detector.js';
export { ImageDecodeError, ImageInputError, ImageTooLargeError } from './errors.js';
export { decodeImage, type DecodeLimits, type RgbImage } from './image.js';
export { FACEPLUGIN_MODELS, facepluginModelId, facepluginModelPath } from './models.js';
export { sessionOptions, type SessionSettings } from './session.js';
export { createThreadedFaceAnalyzer, type ThreadedFaceAnalyzerOptions } from './threadPool.js';
export { EXPRESSION_LABELS } from './types.js';
export type {
  AnalyzedFace,
  Box,
  DetectedFace,
  EyeState,
  ExpressionLabel,
  ExpressionScore,
  FaceAnalysisResult,
  FaceDetectionResult,
  FaceExpression,
  ModelIds,
  Point,
} from './types.js';
export { ULTRAFACE_DEFAULTS, ULTRAFACE_INPUT, UltraFaceDetector, ultraFaceInput, type UltraFaceOptions } from './ultraface.js';
