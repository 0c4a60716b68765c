/** Augmentation parameters between libs/augment's `AugmentParams` and the wire message. */
import { AugmentConfigError, augmentParams, type AugmentParams } from '@disco/augment';
import type { AugmentParams as WireParams, AugmentParams__Output } from '../proto/types.ts';
import { InvalidFieldError } from './errors.ts';

export function toWireParams(p: AugmentParams): WireParams {
  return {
    cropScaleMin: p.cropScale[0],
    cropScaleMax: p.cropScale[1],
    cropRatioMin: p.cropRatio[0],
    cropRatioMax: p.cropRatio[1],
    cropAttempts: p.cropAttempts,
    brightness: p.brightness,
    contrast: p.contrast,
    saturation: p.saturation,
    hue: p.hue,
    jitterP: p.jitterP,
    grayscaleP: p.grayscaleP,
    blurP: p.blurP,
    blurSigmaMin: p.blurSigma[0],
    blurSigmaMax: p.blurSigma[1],
    flipP: p.flipP,
  };
}

/** Validated library parameters from a received message (`params.<field>` named on failure). */
export function fromWireParams(w: AugmentParams__Output): AugmentParams {
  try {
    return augmentParams({
      cropScale: [w.cropScaleMin, w.cropScaleMax],
      cropRatio: [w.cropRatioMin, w.cropRatioMax],
      cropAttempts: w.cropAttempts,
      brightness: w.brightness,
      contrast: w.contrast,
      saturation: w.saturation,
      hue: w.hue,
      jitterP: w.jitterP,
      grayscaleP: w.grayscaleP,
      blurP: w.blurP,
      blurSigma: [w.blurSigmaMin, w.blurSigmaMax],
      flipP: w.flipP,
    });
  } catch (err) {
    if (err instanceof AugmentConfigError) throw new InvalidFieldError('params', err.message);
    throw err;
  }
}
