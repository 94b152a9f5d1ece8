import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, ImageTooLargeError } from './errors.js';
import { decodeImage, resampleRegion, toGrey, toPlanar, type RgbImage } from './image.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/images/${name}`, import.meta.url))));
const limits = { maxBytes: 10 * 1024 * 1024, maxPixels: 10_000_000 };

describe('decodeImage', () => {
  it('decodes a grey PNG to three equal channels', async () => {
    const image = await decodeImage(fixture('camera.png'), limits);
    expect([image.width, image.height, image.data.length]).toEqual([512, 512, 512 * 512 * 3]);
    const i = (100 * 512 + 100) * 3;
    expect(image.data[i]).toBe(image.data[i + 1]);
    expect(image.data[i]).toBe(image.data[i + 2]);
  });

  it('composites transparency on white', async () => {
    const png = await sharp({ create: { width: 4, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const image = await decodeImage(png, limits);
    expect([...image.data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('applies EXIF orientation, so coordinates match the picture as shown', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await decodeImage(jpeg, limits);
    expect([image.width, image.height]).toEqual([20, 40]);
  });

  it('refuses empty bytes, garbage and vector formats with a readable ImageDecodeError', async () => {
    await expect(decodeImage(new Uint8Array(), limits)).rejects.toThrow(new ImageDecodeError('The image is empty (0 bytes).'));
    const garbage = Uint8Array.from({ length: 256 }, (_, i) => (i * 37) % 256);
    const error = await decodeImage(garbage, limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(error).toMatchObject({ code: 'IMAGE_DECODE_FAILED', message: expect.stringMatching(/not an image in a supported format/) });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expect(decodeImage(svg, limits)).rejects.toThrow(/SVG format are not supported/);
  });

  it('refuses oversized input with ImageTooLargeError', async () => {
    const bytes = fixture('coins.png');
    await expect(decodeImage(bytes, { ...limits, maxBytes: 100 })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      limit: { kind: 'bytes', max: 100, actual: bytes.byteLength },
    });
    await expect(decodeImage(bytes, { ...limits, maxPixels: 1000 })).rejects.toBeInstanceOf(ImageTooLargeError);
  });
});

describe('resampleRegion', () => {
  const gradient: RgbImage = {
    width: 8,
    height: 4,
    data: Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => (Math.floor(i / 3) % 8) * 10),
  };

  it('keeps a uniform image uniform at any scale', () => {
    const flat: RgbImage = { width: 50, height: 30, data: new Uint8Array(50 * 30 * 3).fill(77) };
    for (const [w, h] of [
      [7, 5],
      [200, 90],
    ] as const) {
      const out = resampleRegion(flat, { x: 0, y: 0, width: 50, height: 30 }, w, h);
      const worst = out.reduce((max, v) => Math.max(max, Math.abs(v - 77)), 0);
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('averages when shrinking and copies at scale 1', () => {
    const same = resampleRegion(gradient, { x: 0, y: 0, width: 8, height: 4 }, 8, 4);
    expect([...same.filter((_, i) => i % 3 === 0).slice(0, 8)]).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    const half = resampleRegion(gradient, { x: 0, y: 0, width: 8, height: 4 }, 4, 2);
    // Each output pixel covers two source columns; its value sits between theirs.
    expect(half[0]).toBeGreaterThan(0);
    expect(half[0]).toBeLessThan(20);
    expect(half[9]).toBeGreaterThan(50);
  });

  it('repeats edge pixels for a region reaching outside the image', () => {
    const out = resampleRegion(gradient, { x: -4, y: -4, width: 2, height: 2 }, 2, 2);
    for (let i = 0; i < out.length; i += 3) expect(out[i]).toBeCloseTo(0, 5);
  });
});

describe('tensor layout', () => {
  it('writes planes in the requested channel order', () => {
    const rgb = Float32Array.from([10, 20, 30, 40, 50, 60]);
    expect([...toPlanar(rgb, 2, 0, 1, 'rgb')]).toEqual([10, 40, 20, 50, 30, 60]);
    expect([...toPlanar(rgb, 2, 0, 1, 'bgr')]).toEqual([30, 60, 20, 50, 10, 40]);
    expect(toGrey(Float32Array.from([255, 255, 255]), 1, 255)[0]).toBeCloseTo(1, 5);
  });
});
