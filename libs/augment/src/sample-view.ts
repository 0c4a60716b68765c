/**
 * Every random choice of one view, drawn before any pixel is touched: a plain object the
 * statistical tests check in bulk and the renderer applies. Draw order (one stream per view):
 * crop, jitter (p, order, factors), greyscale, blur (p, sigma), flip.
 */
import type { AugmentParams } from './config.ts';
import type { CounterRng } from './prng.ts';
import { sampleCrop, type CropBox } from './sample-crop.ts';

/** ColorJitter's ops, numbered as torchvision's `fn_idx` (and the wasm kernel's op codes). */
export const COLOR_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;
export type ColorOp = (typeof COLOR_OPS)[number];

export interface ColorJitterParams {
  /** The ops to apply, in order (a random permutation of those with a non-zero strength). */
  readonly order: readonly ColorOp[];
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  /** Hue shift in turns. */
  readonly hue: number;
}

export interface ViewParams {
  /** RandomResizedCrop's box, in pixels of the (EXIF-oriented) source image. */
  readonly crop: CropBox;
  /** null when ColorJitter is not applied. */
  readonly jitter: ColorJitterParams | null;
  readonly grayscale: boolean;
  /** GaussianBlur's sigma in output pixels; null when not applied. */
  readonly blurSigma: number | null;
  readonly flip: boolean;
}

function factor(rng: CounterRng, strength: number): number {
  return rng.uniform(Math.max(0, 1 - strength), 1 + strength);
}

function sampleJitter(rng: CounterRng, p: AugmentParams): ColorJitterParams {
  const strengths = [p.brightness, p.contrast, p.saturation, p.hue];
  const order = rng.permutation(4).filter((op) => strengths[op] > 0).map((op) => COLOR_OPS[op]);
  return {
    order,
    brightness: p.brightness > 0 ? factor(rng, p.brightness) : 1,
    contrast: p.contrast > 0 ? factor(rng, p.contrast) : 1,
    saturation: p.saturation > 0 ? factor(rng, p.saturation) : 1,
    hue: p.hue > 0 ? rng.uniform(-p.hue, p.hue) : 0,
  };
}

/** The parameters of one view of a `width` x `height` image. */
export function sampleViewParams(rng: CounterRng, width: number, height: number, params: AugmentParams): ViewParams {
  const crop = sampleCrop(rng, width, height, params);
  const jitter = rng.chance(params.jitterP) ? sampleJitter(rng, params) : null;
  const grayscale = rng.chance(params.grayscaleP);
  const blurSigma = rng.chance(params.blurP) ? rng.uniform(params.blurSigma[0], params.blurSigma[1]) : null;
  const flip = rng.chance(params.flipP);
  return { crop, jitter, grayscale, blurSigma, flip };
}
