/**
 * Gaussian blur taps: exp(-t^2 / (2 sigma^2)) for |t| <= ceil(3 sigma), normalised, in the
 * kernels' fixed point (sum exactly 1 << WEIGHT_BITS, the centre absorbing the rounding).
 * Returned as k[0] = centre, k[t] = weight at distance t.
 */
import { WEIGHT_BITS } from './resize-taps.ts';

export const MAX_BLUR_RADIUS = 64; // the kernel's MAX_RADIUS

export interface BlurTaps {
  readonly radius: number;
  readonly k: Int16Array;
  /** True when every off-centre weight rounds to 0: the blur would change nothing. */
  readonly identity: boolean;
}

export function blurTaps(sigma: number): BlurTaps {
  const radius = Math.min(Math.max(1, Math.ceil(3 * sigma)), MAX_BLUR_RADIUS);
  const g = new Float64Array(radius + 1);
  let total = 0;
  for (let t = 0; t <= radius; t++) {
    g[t] = Math.exp(-(t * t) / (2 * sigma * sigma));
    total += t === 0 ? g[t] : 2 * g[t];
  }
  const one = 1 << WEIGHT_BITS;
  const k = new Int16Array(radius + 1);
  let side = 0;
  for (let t = 1; t <= radius; t++) {
    k[t] = Math.round((g[t] / total) * one);
    side += k[t];
  }
  k[0] = one - 2 * side;
  return { radius, k, identity: side === 0 };
}
