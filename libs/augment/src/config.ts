/**
 * Augmentation hyperparameters, named as torchvision / the MoCo-v2 recipe names them, with
 * the paper's values as the frozen default (MOCO_V2_AUGMENT), and the decoder's safety limits.
 * `augmentParams(overrides)` / `decodeLimits(overrides)` validate and freeze.
 */
import { z } from 'zod';
import { AugmentConfigError } from './errors.ts';

export interface AugmentParams {
  /** RandomResizedCrop `scale`: range of the crop's area as a fraction of the image's area. */
  readonly cropScale: readonly [number, number];
  /** RandomResizedCrop `ratio`: range of the crop's aspect ratio w/h, sampled log-uniformly. */
  readonly cropRatio: readonly [number, number];
  /** RandomResizedCrop: tries before falling back to the centre crop (torchvision: 10). */
  readonly cropAttempts: number;
  /** Probability that ColorJitter is applied at all (RandomApply p). */
  readonly jitterP: number;
  /** ColorJitter brightness: factor uniform in [max(0, 1 - b), 1 + b]; 0 disables the op. */
  readonly brightness: number;
  /** ColorJitter contrast: factor uniform in [max(0, 1 - c), 1 + c]; 0 disables the op. */
  readonly contrast: number;
  /** ColorJitter saturation: factor uniform in [max(0, 1 - s), 1 + s]; 0 disables the op. */
  readonly saturation: number;
  /** ColorJitter hue: shift uniform in [-h, h] turns (h <= 0.5); 0 disables the op. */
  readonly hue: number;
  /** RandomGrayscale p (ITU-R 601-2 luma, copied to all 3 channels). */
  readonly grayscaleP: number;
  /** Probability that GaussianBlur is applied (RandomApply p). */
  readonly blurP: number;
  /** GaussianBlur sigma range in output pixels, uniform (MoCo-v2: [0.1, 2.0]). */
  readonly blurSigma: readonly [number, number];
  /** RandomHorizontalFlip p. */
  readonly flipP: number;
}

/** MoCo-v2's augmentation (Chen et al. 2020; DESIGN.md §1). Normalisation is the consumer's. */
export const MOCO_V2_AUGMENT: AugmentParams = Object.freeze({
  cropScale: Object.freeze([0.2, 1.0] as const),
  cropRatio: Object.freeze([3 / 4, 4 / 3] as const),
  cropAttempts: 10,
  jitterP: 0.8,
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.4,
  hue: 0.1,
  grayscaleP: 0.2,
  blurP: 0.5,
  blurSigma: Object.freeze([0.1, 2.0] as const),
  flipP: 0.5,
});

export interface DecodeLimits {
  /** Reject images with more pixels than this (decompression bombs); checked from the header. */
  readonly maxPixels: number;
  /** Reject images with a side shorter than this (1x1 tracking pixels, placeholders). */
  readonly minSide: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({ maxPixels: 40_000_000, minSide: 8 });

const prob = z.number().min(0).max(1);
const range = (lo: number, hi: number) =>
  z.tuple([z.number().min(lo).max(hi), z.number().min(lo).max(hi)]).refine(([a, b]) => a <= b, 'range must be [low, high]');

const augmentSchema = z.strictObject({
  cropScale: range(Number.MIN_VALUE, 1),
  cropRatio: range(Number.MIN_VALUE, Number.MAX_VALUE),
  cropAttempts: z.number().int().min(0).max(1000),
  jitterP: prob,
  brightness: z.number().min(0),
  contrast: z.number().min(0),
  saturation: z.number().min(0),
  hue: z.number().min(0).max(0.5),
  grayscaleP: prob,
  blurP: prob,
  blurSigma: range(Number.MIN_VALUE, 20),
  flipP: prob,
});

const limitsSchema = z.strictObject({
  maxPixels: z.number().int().positive(),
  minSide: z.number().int().min(1),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AugmentConfigError(`invalid ${what}.${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

function freeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(value);
}

/** MOCO_V2_AUGMENT with `overrides`, validated and frozen. */
export function augmentParams(overrides: Partial<AugmentParams> = {}): AugmentParams {
  return freeze(parse(augmentSchema, { ...MOCO_V2_AUGMENT, ...overrides }, 'AugmentParams') as AugmentParams);
}

/** DEFAULT_DECODE_LIMITS with `overrides`, validated and frozen. */
export function decodeLimits(overrides: Partial<DecodeLimits> = {}): DecodeLimits {
  return freeze(parse(limitsSchema, { ...DEFAULT_DECODE_LIMITS, ...overrides }, 'DecodeLimits'));
}
