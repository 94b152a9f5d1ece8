import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The model files this engine runs, all from the npm package `faceplugin-face-recognition-js`
 * (see MODELS.md for what is known of their origin and licence). The package's age, gender,
 * liveness, pose and recognition models are deliberately not listed: the product does not infer
 * those attributes.
 */
export const FACEPLUGIN_MODELS = {
  detector: 'fr_detect.onnx',
  landmarks: 'fr_landmark.onnx',
  eyes: 'fr_eye.onnx',
  expression: 'fr_expression.onnx',
} as const;
export type FacepluginModel = keyof typeof FACEPLUGIN_MODELS;

const PACKAGE = 'faceplugin-face-recognition-js';

let located: { dir: string; version: string } | undefined;

/** Where the installed package keeps its models, found through Node resolution so it works from any cwd. */
function locatePackage(): { dir: string; version: string } {
  if (!located) {
    const manifest = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    located = { dir: join(dirname(manifest), 'model'), version };
  }
  return located;
}

/** Absolute path of a model file; `modelDir` overrides the installed package (e.g. a mounted volume). */
export function facepluginModelPath(model: FacepluginModel, modelDir?: string): string {
  return join(modelDir ?? locatePackage().dir, FACEPLUGIN_MODELS[model]);
}

/**
 * Identifier reported with each result, e.g. `faceplugin-face-recognition-js@0.0.1/fr_detect`: the
 * package version pins the weights, since the files carry no version of their own.
 */
export function facepluginModelId(model: FacepluginModel, modelDir?: string): string {
  const name = FACEPLUGIN_MODELS[model].replace(/\.onnx$/, '');
  return modelDir ? `${name} (${modelDir})` : `${PACKAGE}@${locatePackage().version}/${name}`;
}
