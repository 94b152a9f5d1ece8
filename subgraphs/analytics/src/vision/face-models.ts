import { Tensor } from 'onnxruntime-node';
import { clipBox } from './detector.js';
import { resampleRegion, toGrey, toPlanar, type Region, type RgbImage } from './image.js';
import { facepluginModelId, facepluginModelPath, type FacepluginModel } from './models.js';
import { LazySession, type SessionSettings } from './session.js';
import { EXPRESSION_LABELS, type Box, type EyeState, type FaceExpression, type Point } from './types.js';

/*
 * The per-face models of `faceplugin-face-recognition-js`. Crop geometry, input sizes and
 * normalisation follow the package's own code (lib/fr_landmark.js, fr_eye.js, fr_expression.js),
 * since the weights come with no other description of what they expect.
 */

export interface FaceModelOptions extends SessionSettings {
  /** Directory holding the `.onnx` files, instead of the installed npm package. */
  modelDir?: string;
}

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

abstract class FaceModel {
  readonly id: string;
  protected readonly session: LazySession;

  constructor(model: FacepluginModel, options: FaceModelOptions) {
    this.id = facepluginModelId(model, options.modelDir);
    this.session = new LazySession(facepluginModelPath(model, options.modelDir), options);
  }

  protected async run(input: Tensor): Promise<Float32Array> {
    const session = await this.session.get();
    const outputs = await session.run({ input });
    const output = outputs.output?.data;
    if (!(output instanceof Float32Array)) throw new Error(`The model ${this.id} returned no float output.`);
    return output;
  }

  async warmUp(): Promise<void> {
    await this.session.get();
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

const greyTensor = (image: RgbImage, region: Region, size: number, scale: number) =>
  new Tensor('float32', toGrey(resampleRegion(image, region, size, size), size * size, scale), [1, 1, size, size]);

/**
 * 68-point landmarks from a 64x64 grey crop of the face box, pixel values divided by 256 (sic, as
 * in the package). The network answers in fractions of the crop, mapped back to image pixels here.
 */
export class LandmarkModel extends FaceModel {
  static readonly INPUT = 64;

  constructor(options: FaceModelOptions = {}) {
    super('landmarks', options);
  }

  async predict(image: RgbImage, box: Box): Promise<Point[]> {
    const out = await this.run(greyTensor(image, box, LandmarkModel.INPUT, 256));
    const points: Point[] = [];
    for (let i = 0; i + 1 < out.length; i += 2) {
      points.push({ x: box.x + out[i]! * box.width, y: box.y + out[i + 1]! * box.height });
    }
    if (points.length !== 68) throw new Error(`The landmark model returned ${points.length} points instead of 68.`);
    return points;
  }
}

/**
 * Square crop around one eye: centred on the mean of the four eyelid points, 1.6 times the
 * corner-to-corner width on each side, clipped to the image as the package does.
 */
export function eyeRegion(image: RgbImage, landmarks: Point[], eye: 'left' | 'right'): Region | undefined {
  const [outer, top1, top2, inner, bottom1, bottom2] = (eye === 'left' ? [36, 37, 38, 39, 40, 41] : [42, 43, 44, 45, 46, 47]).map(
    (i) => landmarks[i]!,
  ) as [Point, Point, Point, Point, Point, Point];
  const cx = (top1.x + top2.x + bottom1.x + bottom2.x) / 4;
  const cy = (top1.y + top2.y + bottom1.y + bottom2.y) / 4;
  const size = Math.abs(inner.x - outer.x) * 1.6;
  if (!(size >= 1)) return undefined;
  return clipBox({ x: cx - size / 2, y: cy - size / 2, width: size, height: size }, image.width, image.height);
}

/**
 * Open/closed eye classifier on a 24x24 grey crop, values divided by 255. The package's demo shows
 * "Close" when output 0 beats output 1, so output 1 is the open class.
 */
export class EyeModel extends FaceModel {
  static readonly INPUT = 24;

  constructor(options: FaceModelOptions = {}) {
    super('eyes', options);
  }

  async predict(image: RgbImage, landmarks: Point[]): Promise<{ left: EyeState; right: EyeState }> {
    const [left, right] = await Promise.all([this.#eye(image, landmarks, 'left'), this.#eye(image, landmarks, 'right')]);
    return { left, right };
  }

  async #eye(image: RgbImage, landmarks: Point[], eye: 'left' | 'right'): Promise<EyeState> {
    const region = eyeRegion(image, landmarks, eye);
    // An eye squeezed to under a pixel (a face at the border, a profile) cannot be judged.
    if (!region) return { open: false, probability: 0 };
    const [, open = 0] = softmax(await this.run(greyTensor(image, region, EyeModel.INPUT, 255)));
    return { open: open >= 0.5, probability: open };
  }
}

/**
 * The expression model's crop: from the face box's top-left corner, 1.2 times its width and height
 * (so it extends right and down only), clipped to the image, as in the package.
 */
export function expressionRegion(image: RgbImage, box: Box): Region {
  return clipBox({ x: box.x, y: box.y, width: box.width * 1.2, height: box.height * 1.2 }, image.width, image.height) ?? box;
}

/**
 * Seven-class expression model on a 224x224 RGB crop, values divided by 255, no mean subtraction.
 * Class order is that of FER-2013 (angry, disgust, fear, happy, sad, surprise, neutral), the order
 * of the `emotions` table in the supplier's Vue demo (which calls class 3 "smile").
 */
export class ExpressionModel extends FaceModel {
  static readonly INPUT = 224;

  constructor(options: FaceModelOptions = {}) {
    super('expression', options);
  }

  async predict(image: RgbImage, box: Box): Promise<FaceExpression> {
    const size = ExpressionModel.INPUT;
    const rgb = resampleRegion(image, expressionRegion(image, box), size, size);
    const probabilities = softmax(await this.run(new Tensor('float32', toPlanar(rgb, size * size, 0, 255), [1, 3, size, size])));
    if (probabilities.length !== EXPRESSION_LABELS.length) {
      throw new Error(`The expression model returned ${probabilities.length} scores instead of ${EXPRESSION_LABELS.length}.`);
    }
    const scores = EXPRESSION_LABELS.map((label, i) => ({ label, score: probabilities[i]! }));
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    return { label: best.label, scores };
  }
}
