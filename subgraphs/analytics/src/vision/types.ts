/**
 * Public shapes of the face-analysis engine. They mirror the `FaceAnalysis` GraphQL type one to one,
 * so a resolver can return an analysis result without reshaping it.
 */

/** Expression classes, in the order the expression model emits its scores. */
export const EXPRESSION_LABELS = ['ANGRY', 'DISGUST', 'FEAR', 'HAPPY', 'SAD', 'SURPRISE', 'NEUTRAL'] as const;
export type ExpressionLabel = (typeof EXPRESSION_LABELS)[number];

/** A point in pixels of the decoded (orientation-corrected) image. */
export interface Point {
  x: number;
  y: number;
}

/** An axis-aligned rectangle in pixels of the decoded image; `x`/`y` is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EyeState {
  open: boolean;
  /** Probability, 0..1, that the eye is open. */
  probability: number;
}

export interface ExpressionScore {
  label: ExpressionLabel;
  /** Softmax probability, 0..1; the seven scores of a face sum to 1. */
  score: number;
}

export interface FaceExpression {
  /** The most probable class. */
  label: ExpressionLabel;
  /** One entry per class, in `EXPRESSION_LABELS` order. */
  scores: ExpressionScore[];
}

export interface AnalyzedFace {
  /** Detector confidence, 0..1. */
  score: number;
  /** Square face box, clipped to the image. */
  box: Box;
  /** The 68 points of the iBUG 300-W layout (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67). */
  landmarks: Point[];
  /**
   * `left` is the eye on the left of the picture (points 36–41, the person's right eye), `right` the
   * one on the right of the picture (points 42–47).
   */
  eyes: { left: EyeState; right: EyeState };
  expression: FaceExpression;
}

/** Identifiers of the models that produced a result, so stored results can be traced to their model. */
export interface ModelIds {
  detector: string;
  landmarks: string;
  eyes: string;
  expression: string;
}

export interface FaceAnalysisResult {
  /** Decoded image width in pixels, after applying EXIF orientation. */
  width: number;
  /** Decoded image height in pixels, after applying EXIF orientation. */
  height: number;
  models: ModelIds;
  /** Wall time of the whole analysis, decoding included, in milliseconds. */
  durationMs: number;
  /** Faces by descending detector score. */
  faces: AnalyzedFace[];
}

/** A face as found by a detector, before any per-face model runs. */
export interface DetectedFace {
  score: number;
  box: Box;
}

export interface FaceDetectionResult {
  width: number;
  height: number;
  detector: string;
  durationMs: number;
  faces: DetectedFace[];
}
