import { describe, expect, it } from 'vitest';
import { clipBox, nonMaxSuppression } from './detector.js';

describe('nonMaxSuppression', () => {
  it('keeps the best of overlapping boxes and every separate one, best first', () => {
    const boxes = [
      { x: 0, y: 0, width: 10, height: 10, score: 0.7 },
      { x: 1, y: 1, width: 10, height: 10, score: 0.9 },
      { x: 50, y: 50, width: 10, height: 10, score: 0.8 },
    ];
    expect(nonMaxSuppression(boxes, 0.3).map((b) => b.score)).toEqual([0.9, 0.8]);
    expect(nonMaxSuppression(boxes, 0.3, 1).map((b) => b.score)).toEqual([0.9]);
  });
});

describe('clipBox', () => {
  it('clips to the image and drops boxes wholly outside it', () => {
    expect(clipBox({ x: -5, y: 90, width: 20, height: 20 }, 100, 100)).toEqual({ x: 0, y: 90, width: 15, height: 10 });
    expect(clipBox({ x: 120, y: 0, width: 10, height: 10 }, 100, 100)).toBeUndefined();
  });
});
