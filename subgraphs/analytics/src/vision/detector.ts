import type { RgbImage } from './image.js';
import type { Box, DetectedFace } from './types.js';

/**
 * What the analyzer needs from a face detector. Landmarks, eyes and expression all start from the
 * detector's boxes, so a detector can be swapped (a faster one, a more accurate one) without
 * touching the per-face models.
 */
export interface FaceDetector {
  /** Identifier reported in results as `models.detector`. */
  readonly id: string;
  /**
   * Faces in `image`, by descending score, with boxes in pixels of `image`. Boxes should be roughly
   * square and cover the face from brow to chin, as the landmark model was trained on such crops.
   */
  detect(image: RgbImage): Promise<DetectedFace[]>;
  /** Loads the model now instead of on the first `detect`. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface ScoredBox extends Box {
  score: number;
}

const iou = (a: Box, b: Box): number => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
};

/**
 * Greedy non-maximum suppression: keeps the best-scoring box and drops every box overlapping it by
 * more than `iouThreshold`, so one face yields one box however many anchors fired on it.
 */
export function nonMaxSuppression<T extends ScoredBox>(boxes: T[], iouThreshold: number, limit = Infinity): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= limit) break;
    if (kept.every((k) => iou(k, box) <= iouThreshold)) kept.push(box);
  }
  return kept;
}

/** Clips a box to the image; returns undefined when nothing of it is left. */
export function clipBox(box: Box, width: number, height: number): Box | undefined {
  const x1 = Math.max(0, box.x);
  const y1 = Math.max(0, box.y);
  const x2 = Math.min(width, box.x + box.width);
  const y2 = Math.min(height, box.y + box.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : undefined;
}
