import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type FaceAnalyzer } from './analyzer.js';
import { ImageDecodeError, ImageTooLargeError } from './errors.js';
import { EXPRESSION_LABELS, type Box } from './types.js';

// Real models on real photographs (see test/fixtures/images/SOURCES.md); nothing is mocked.
const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/images/${name}`, import.meta.url))));

const centre = (box: Box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

describe('createFaceAnalyzer', () => {
  let analyzer: FaceAnalyzer;

  beforeAll(async () => {
    analyzer = createFaceAnalyzer();
    await analyzer.warmUp();
  });
  afterAll(() => analyzer.close());

  it('finds the one face in the astronaut portrait, with open eyes and a smile', async () => {
    const result = await analyzer.analyze(fixture('astronaut.png'));
    expect(result).toMatchObject({ width: 512, height: 512 });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.faces).toHaveLength(1);
    const [face] = result.faces;

    // Her face spans about x 175-275, y 65-190 of the 512x512 picture.
    expect(face!.score).toBeGreaterThan(0.9);
    expect(centre(face!.box).x).toBeGreaterThan(200);
    expect(centre(face!.box).x).toBeLessThan(250);
    expect(centre(face!.box).y).toBeGreaterThan(95);
    expect(centre(face!.box).y).toBeLessThan(150);
    expect(face!.box.width).toBeGreaterThan(80);
    expect(face!.box.width).toBeLessThan(170);

    expect(face!.eyes.left.open).toBe(true);
    expect(face!.eyes.right.open).toBe(true);
    expect(face!.eyes.left.probability).toBeGreaterThan(0.5);

    expect(face!.expression.label).toBe('HAPPY');
    expect(face!.expression.scores.map((s) => s.label)).toEqual([...EXPRESSION_LABELS]);
    expect(face!.expression.scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
  });

  it('puts the 68 landmarks on the face: eyes above the nose tip, chin at the bottom', async () => {
    const [face] = (await analyzer.analyze(fixture('astronaut.png'))).faces;
    const { box, landmarks } = face!;
    expect(landmarks).toHaveLength(68);
    const margin = box.width * 0.2;
    for (const p of landmarks) {
      expect(p.x).toBeGreaterThan(box.x - margin);
      expect(p.x).toBeLessThan(box.x + box.width + margin);
      expect(p.y).toBeGreaterThan(box.y - margin);
      expect(p.y).toBeLessThan(box.y + box.height + margin);
    }
    const [leftEyeOuter, rightEyeOuter, noseTip, chin] = [36, 45, 30, 8].map((i) => landmarks[i]!);
    expect(leftEyeOuter!.x).toBeLessThan(rightEyeOuter!.x);
    expect(Math.max(leftEyeOuter!.y, rightEyeOuter!.y)).toBeLessThan(noseTip!.y);
    expect(noseTip!.y).toBeLessThan(chin!.y);
  });

  it('finds the one face of the cameraman, in profile', async () => {
    const result = await analyzer.analyze(fixture('camera.png'));
    expect(result.faces).toHaveLength(1);
    // His face spans about x 180-265, y 100-200.
    const { x, y } = centre(result.faces[0]!.box);
    expect(x).toBeGreaterThan(200);
    expect(x).toBeLessThan(260);
    expect(y).toBeGreaterThan(125);
    expect(y).toBeLessThan(185);
    expect(result.faces[0]!.box.width).toBeGreaterThan(60);
    expect(result.faces[0]!.box.width).toBeLessThan(140);
  });

  it.each(['chelsea.png', 'coffee.png', 'coins.png', 'brick.png', 'grass.png', 'text.png', 'horse.png', 'rocket.jpg'])(
    'finds no face in %s',
    async (name) => {
      const result = await analyzer.analyze(fixture(name));
      expect(result.width).toBeGreaterThan(0);
      expect(result.faces).toEqual([]);
    },
  );

  it('detects without the per-face models', async () => {
    const result = await analyzer.detect(fixture('astronaut.png'));
    expect(result.faces).toHaveLength(1);
    expect(result.detector).toBe(analyzer.models.detector);
  });

  it('gives the same answer to concurrent calls', async () => {
    const bytes = fixture('astronaut.png');
    const results = await Promise.all([analyzer.analyze(bytes), analyzer.analyze(bytes), analyzer.analyze(bytes)]);
    const faces = results.map((r) => r.faces);
    expect(faces[1]).toEqual(faces[0]);
    expect(faces[2]).toEqual(faces[0]);
  });

  it('reports the models it used, and never an age or gender model', async () => {
    const { models } = await analyzer.analyze(fixture('coins.png'));
    expect(models).toEqual(analyzer.models);
    expect(models.detector).toMatch(/fr_detect/);
    expect(models.landmarks).toMatch(/fr_landmark/);
    expect(models.eyes).toMatch(/fr_eye/);
    expect(models.expression).toMatch(/fr_expression/);
    expect(JSON.stringify(models)).not.toMatch(/age|gender/);
  });

  it('rejects bytes that are not an image with ImageDecodeError', async () => {
    const garbage = new TextEncoder().encode('this is definitely not a picture, just some text');
    await expect(analyzer.analyze(garbage)).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(analyzer.analyze(garbage)).rejects.toThrow(/not an image/);
  });

  it('rejects a truncated image with ImageDecodeError', async () => {
    const bytes = fixture('astronaut.png');
    await expect(analyzer.analyze(bytes.subarray(0, bytes.length / 2))).rejects.toBeInstanceOf(ImageDecodeError);
  });
});

describe('createFaceAnalyzer limits', () => {
  it('rejects an image over the pixel limit with ImageTooLargeError before running any model', async () => {
    const analyzer = createFaceAnalyzer({ maxPixels: 512 * 511 });
    try {
      const error = await analyzer.analyze(fixture('astronaut.png')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageTooLargeError);
      expect((error as ImageTooLargeError).limit).toEqual({ kind: 'pixels', max: 512 * 511, actual: 512 * 512 });
      expect((error as Error).message).toMatch(/512x512/);
    } finally {
      await analyzer.close();
    }
  });

  it('rejects an image over the byte limit with ImageTooLargeError', async () => {
    const analyzer = createFaceAnalyzer({ maxBytes: 1000 });
    try {
      await expect(analyzer.detect(fixture('astronaut.png'))).rejects.toBeInstanceOf(ImageTooLargeError);
    } finally {
      await analyzer.close();
    }
  });

  it('refuses work once closed', async () => {
    const analyzer = createFaceAnalyzer();
    await analyzer.close();
    await expect(analyzer.analyze(fixture('coins.png'))).rejects.toThrow(/closed/);
  });
});
