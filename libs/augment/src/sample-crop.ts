/**
 * RandomResizedCrop's parameters, as torchvision 0.14 `RandomResizedCrop.get_params` draws
 * them: area fraction uniform in `scale`, aspect ratio log-uniform in `ratio`, sides rounded
 * (Python's round, half to even); up to `attempts` tries, then the centre crop clamped to `ratio`.
 */
import type { AugmentParams } from './config.ts';
import type { CounterRng } from './prng.ts';

/** A crop rectangle in source pixels (integers; x, y = left, top). */
export interface CropBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Python 3's round(): to nearest, ties to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sampleCrop(
  rng: CounterRng,
  width: number,
  height: number,
  params: Pick<AugmentParams, 'cropScale' | 'cropRatio' | 'cropAttempts'>,
): CropBox {
  const area = width * height;
  const [s0, s1] = params.cropScale;
  const [r0, r1] = params.cropRatio;
  const logR0 = Math.log(r0);
  const logR1 = Math.log(r1);
  for (let i = 0; i < params.cropAttempts; i++) {
    const targetArea = area * rng.uniform(s0, s1);
    const aspect = Math.exp(rng.uniform(logR0, logR1));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const y = rng.below(height - h + 1);
      const x = rng.below(width - w + 1);
      return { x, y, width: w, height: h };
    }
  }
  return centreCrop(width, height, r0, r1);
}

/** torchvision's fallback: the whole image, narrowed to the nearest allowed aspect ratio. */
export function centreCrop(width: number, height: number, r0: number, r1: number): CropBox {
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < r0) h = roundHalfEven(w / r0);
  else if (inRatio > r1) w = roundHalfEven(h * r1);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}
