/**
 * The augmentation recipe a run is configured with, in the terms people tune it by — crop
 * scale, colour-jitter strength, blur on/off and its σ range, and whether that σ is in output
 * pixels or relative to the image — turned into the exact per-op parameters (AugmentParams)
 * that workers apply. MoCo-v2's recipe is the default.
 *
 * Why σ can scale with the image: MoCo-v2's GaussianBlur σ ∈ [0.1, 2.0] is in pixels of a
 * 224-px view. Applied literally at 32 px it blurs ~7× harder relative to the image (σ = 2 px is
 * 6 % of the side instead of 0.9 %). `blurSigmaScale: 'image'` keeps MoCo-v2's blur relative to
 * the view: σ × size/224.
 */
import { augmentParams, MOCO_V2_AUGMENT, type AugmentParams } from './config.ts';

export interface AugmentRecipe {
  /** RandomResizedCrop area range (MoCo-v2: [0.2, 1]). */
  readonly cropScale: readonly [number, number];
  /** ColorJitter strength s: brightness, contrast, saturation 0.4·s, hue 0.1·s (MoCo-v2: s = 1; 0 = off). */
  readonly jitterStrength: number;
  /** Probability of ColorJitter (MoCo-v2: 0.8). */
  readonly jitterP: number;
  /** RandomGrayscale probability (MoCo-v2: 0.2). */
  readonly grayscaleP: number;
  /** Gaussian blur on/off (MoCo-v2: on, with probability 0.5). */
  readonly blur: boolean;
  /** Blur σ range (MoCo-v2: [0.1, 2.0]), in the unit `blurSigmaScale` names. */
  readonly blurSigma: readonly [number, number];
  /** 'pixels': σ in output pixels (MoCo-v2 taken literally); 'image': σ of a 224-px view, scaled by size/224. */
  readonly blurSigmaScale: 'pixels' | 'image';
  /** Horizontal flip probability (MoCo-v2: 0.5). */
  readonly flipP: number;
}

/** Size MoCo-v2's blur σ range was set for. */
export const MOCO_V2_VIEW_SIZE = 224;

export const MOCO_V2_RECIPE: AugmentRecipe = Object.freeze({
  cropScale: MOCO_V2_AUGMENT.cropScale,
  jitterStrength: 1,
  jitterP: MOCO_V2_AUGMENT.jitterP,
  grayscaleP: MOCO_V2_AUGMENT.grayscaleP,
  blur: true,
  blurSigma: MOCO_V2_AUGMENT.blurSigma,
  blurSigmaScale: 'pixels',
  flipP: MOCO_V2_AUGMENT.flipP,
});

/** The per-op parameters of `recipe` for views of `size` px (validated, frozen). */
export function recipeParams(recipe: AugmentRecipe, size: number): AugmentParams {
  const s = recipe.jitterStrength;
  const scale = recipe.blurSigmaScale === 'image' ? size / MOCO_V2_VIEW_SIZE : 1;
  return augmentParams({
    cropScale: recipe.cropScale,
    jitterP: s > 0 ? recipe.jitterP : 0,
    brightness: MOCO_V2_AUGMENT.brightness * s,
    contrast: MOCO_V2_AUGMENT.contrast * s,
    saturation: MOCO_V2_AUGMENT.saturation * s,
    hue: Math.min(0.5, MOCO_V2_AUGMENT.hue * s),
    grayscaleP: recipe.grayscaleP,
    blurP: recipe.blur ? MOCO_V2_AUGMENT.blurP : 0,
    blurSigma: [recipe.blurSigma[0] * scale, recipe.blurSigma[1] * scale],
    flipP: recipe.flipP,
  });
}
