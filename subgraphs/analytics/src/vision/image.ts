import sharp, { type Metadata } from 'sharp';
import { ImageDecodeError, ImageTooLargeError } from './errors.js';

/** A decoded image: 8-bit sRGB, 3 channels interleaved, rows top to bottom, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A rectangle in source pixels; may be fractional and may reach outside the image. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DecodeLimits {
  /** Largest accepted encoded size. */
  maxBytes: number;
  /** Largest accepted `width * height` of the decoded image. */
  maxPixels: number;
}

/**
 * Encoded formats we accept. Vector and document formats (SVG, PDF) are left out on purpose: they are
 * rendered rather than decoded, which is slower and gives an untrusted document more to work with.
 */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif']);

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);

/**
 * Decodes an encoded image to 8-bit sRGB once; every model input is then cut from this buffer, so no
 * request pays for decoding twice. The header is read first so that an oversized image is refused
 * before any pixel memory is allocated, with a message that says what the limit is.
 *
 * EXIF orientation is applied, so coordinates match the picture as people see it. Transparent
 * pixels are composited on white (a face detector sees undefined colours under alpha otherwise).
 *
 * @throws ImageDecodeError when the bytes are not a supported, intact raster image.
 * @throws ImageTooLargeError when the bytes or the pixel count exceed `limits`.
 */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits): Promise<RgbImage> {
  if (bytes.byteLength === 0) throw new ImageDecodeError('The image is empty (0 bytes).');
  if (bytes.byteLength > limits.maxBytes) {
    throw new ImageTooLargeError(`The image is ${formatBytes(bytes.byteLength)}; the most accepted is ${formatBytes(limits.maxBytes)}.`, {
      kind: 'bytes',
      max: limits.maxBytes,
      actual: bytes.byteLength,
    });
  }

  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new ImageDecodeError('The data is not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF or AVIF).', { cause });
  }
  if (!RASTER_FORMATS.has(metadata.format)) {
    throw new ImageDecodeError(
      `Images in ${metadata.format.toUpperCase()} format are not supported; send JPEG, PNG, WebP, GIF, TIFF or AVIF.`,
    );
  }
  const pixels = metadata.width * metadata.height;
  if (!(pixels > 0)) throw new ImageDecodeError('The image has no pixels.');
  if (pixels > limits.maxPixels) {
    throw new ImageTooLargeError(
      `The image is ${metadata.width}x${metadata.height} pixels (${(pixels / 1e6).toFixed(1)} MP); the most accepted is ${(limits.maxPixels / 1e6).toFixed(1)} MP.`,
      { kind: 'pixels', max: limits.maxPixels, actual: pixels },
    );
  }

  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error', autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion to sRGB`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (cause) {
    throw new ImageDecodeError('The image could not be decoded: it is truncated or corrupt.', { cause });
  }
}

/**
 * The whole image resized to `width` x `height` (aspect ratio not kept), RGB interleaved. Used for
 * the detector input, the one large resize per request: libvips does it in a few milliseconds where
 * the JS resampler below needs several times that on a big picture. It reads the decoded buffer, so
 * the encoded bytes are still decoded only once.
 */
export async function resizeImage(image: RgbImage, width: number, height: number): Promise<Uint8Array> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Per output index, the first contributing source index and the normalised weights. A triangle
 * filter whose support widens with the reduction factor: plain bilinear when enlarging, and an
 * anti-aliased (area-like) average when shrinking, so a face that is 1000 px wide is not reduced to
 * 64 px by sampling a handful of pixels.
 */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
}

function axisWeights(srcOffset: number, srcLength: number, dstLength: number, limit: number): AxisWeights {
  const scale = srcLength / dstLength;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(dstLength);
  const count = new Int32Array(dstLength);
  const weights = new Float32Array(dstLength * stride);
  for (let i = 0; i < dstLength; i++) {
    const centre = srcOffset + (i + 0.5) * scale;
    let lo = Math.max(Math.floor(centre - support), 0);
    let hi = Math.min(Math.ceil(centre + support), limit);
    if (hi <= lo) {
      // The whole window lies outside the image: repeat the nearest edge pixel.
      lo = Math.min(Math.max(Math.floor(centre), 0), limit - 1);
      hi = lo + 1;
    }
    let total = 0;
    const n = Math.min(hi - lo, stride);
    for (let k = 0; k < n; k++) {
      const w = Math.max(0, 1 - Math.abs((lo + k + 0.5 - centre) / filterScale));
      weights[i * stride + k] = w;
      total += w;
    }
    if (total > 0) {
      for (let k = 0; k < n; k++) weights[i * stride + k]! /= total;
    } else {
      weights[i * stride] = 1;
    }
    start[i] = lo;
    count[i] = total > 0 ? n : 1;
  }
  return { start, count, weights, stride };
}

/**
 * Resamples `region` of `image` to `width` x `height` and returns RGB values 0..255 as floats,
 * interleaved. Face crops are small (24 to 224 px), so a separable filter in plain JS is cheaper
 * than a round trip through the native image pipeline for every crop.
 */
export function resampleRegion(image: RgbImage, region: Region, width: number, height: number): Float32Array {
  const xs = axisWeights(region.x, region.width, width, image.width);
  const ys = axisWeights(region.y, region.height, height, image.height);

  // Source rows the vertical pass will read.
  let rowLo = image.height;
  let rowHi = 0;
  for (let j = 0; j < height; j++) {
    rowLo = Math.min(rowLo, ys.start[j]!);
    rowHi = Math.max(rowHi, ys.start[j]! + ys.count[j]!);
  }

  const src = image.data;
  const srcStride = image.width * 3;
  const horizontal = new Float32Array((rowHi - rowLo) * width * 3);
  for (let row = rowLo; row < rowHi; row++) {
    const srcRow = row * srcStride;
    const dstRow = (row - rowLo) * width * 3;
    for (let i = 0; i < width; i++) {
      const lo = xs.start[i]!;
      const n = xs.count[i]!;
      const wBase = i * xs.stride;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++) {
        const w = xs.weights[wBase + k]!;
        const p = srcRow + (lo + k) * 3;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      const d = dstRow + i * 3;
      horizontal[d] = r;
      horizontal[d + 1] = g;
      horizontal[d + 2] = b;
    }
  }

  const out = new Float32Array(width * height * 3);
  const rowLength = width * 3;
  for (let j = 0; j < height; j++) {
    const lo = ys.start[j]! - rowLo;
    const n = ys.count[j]!;
    const wBase = j * ys.stride;
    const dst = j * rowLength;
    for (let k = 0; k < n; k++) {
      const w = ys.weights[wBase + k]!;
      const srcRow = (lo + k) * rowLength;
      for (let c = 0; c < rowLength; c++) out[dst + c]! += horizontal[srcRow + c]! * w;
    }
  }
  return out;
}

/**
 * Planar (CHW) float tensor data from interleaved RGB, `(value - mean) / scale` per channel. With
 * `order: 'bgr'` the first plane holds blue, for models that were fed BGR by their authors.
 */
export function toPlanar(rgb: ArrayLike<number>, pixels: number, mean: number, scale: number, order: 'rgb' | 'bgr' = 'rgb'): Float32Array {
  const out = new Float32Array(pixels * 3);
  const first = order === 'rgb' ? 0 : 2 * pixels;
  const third = order === 'rgb' ? 2 * pixels : 0;
  for (let i = 0; i < pixels; i++) {
    out[first + i] = (rgb[i * 3]! - mean) / scale;
    out[pixels + i] = (rgb[i * 3 + 1]! - mean) / scale;
    out[third + i] = (rgb[i * 3 + 2]! - mean) / scale;
  }
  return out;
}

/** Luma weights for `toGrey`, as `[r, g, b]`. */
export type GreyWeights = readonly [number, number, number];

/** ITU-R BT.601 luma, what OpenCV's RGB-to-grey conversion computes. */
export const BT601: GreyWeights = [0.299, 0.587, 0.114];

/** Single-channel float tensor data: a weighted sum of R, G and B, divided by `scale`. */
export function toGrey(rgb: Float32Array, pixels: number, scale: number, [wr, wg, wb]: GreyWeights = BT601): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    out[i] = (wr * rgb[i * 3]! + wg * rgb[i * 3 + 1]! + wb * rgb[i * 3 + 2]!) / scale;
  }
  return out;
}
