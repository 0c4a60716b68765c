/**
 * Resampling taps for one axis, as PIL's `precompute_coeffs` with its BILINEAR filter (a
 * triangle widened by the downscale factor, i.e. antialiased): output i samples the source
 * interval [in0, in1) around centre in0 + (i + 0.5) * scale, clipped to [clipLo, clipHi).
 * Weights are fixed point (WEIGHT_BITS) and each output's weights sum to exactly 1.
 * Tables are written into arrays from `alloc`: the renderer hands out kernel memory.
 */

export const WEIGHT_BITS = 14;
const ONE = 1 << WEIGHT_BITS;

export interface TapAlloc {
  i16(length: number): Int16Array;
  i32(length: number): Int32Array;
}

export const heapTaps: TapAlloc = { i16: (n) => new Int16Array(n), i32: (n) => new Int32Array(n) };

export interface AxisTaps {
  /** First source index per output. */
  readonly starts: Int32Array;
  /** outSize x taps weights, row-major, zero-padded. */
  readonly weights: Int16Array;
  /** Taps per output. */
  readonly counts: Int32Array;
  /** Stride of `weights`: the most taps any output uses. */
  readonly taps: number;
  /** Source range [first, end) read by any output. */
  readonly first: number;
  readonly end: number;
}

const scratch = new Float64Array(64);

/** Taps mapping source [in0, in1) onto outSize samples; `flip` reverses the output order. */
export function axisTaps(in0: number, in1: number, outSize: number, clipLo: number, clipHi: number, flip = false, alloc = heapTaps): AxisTaps {
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.min(Math.ceil(support) * 2 + 1, clipHi - clipLo);
  const w = taps <= scratch.length ? scratch : new Float64Array(taps);
  const starts = alloc.i32(outSize);
  const counts = alloc.i32(outSize);
  const weights = alloc.i16(outSize * taps);
  weights.fill(0);
  let first = clipHi;
  let end = clipLo;
  for (let i = 0; i < outSize; i++) {
    const centre = in0 + (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), clipLo);
    const hi = Math.min(Math.trunc(centre + support + 0.5), clipHi, lo + taps);
    const n = hi - lo;
    let total = 0;
    for (let t = 0; t < n; t++) {
      const d = Math.abs((lo + t - centre + 0.5) / filterScale);
      w[t] = d < 1 ? 1 - d : 0;
      total += w[t];
    }
    // quantise to integers summing to ONE; the largest weight absorbs the rounding
    const at = (flip ? outSize - 1 - i : i) * taps;
    let sum = 0;
    let big = 0;
    for (let t = 0; t < n; t++) {
      weights[at + t] = Math.round((total > 0 ? w[t] / total : 1 / n) * ONE);
      sum += weights[at + t];
      if (weights[at + t] > weights[at + big]) big = t;
    }
    weights[at + big] += ONE - sum;
    starts[at / taps] = lo;
    counts[at / taps] = n;
    if (lo < first) first = lo;
    if (hi > end) end = hi;
  }
  return { starts, weights, counts, taps, first, end };
}

/**
 * The horizontal kernel's layout: per output pixel, the same number of tap pairs (`pairs`,
 * zero-padded) as i16x8 vectors (w0, w1, w0, w1, w0, w1, 0, 0); starts relative to `first`.
 */
export function pairTaps(axis: AxisTaps, alloc = heapTaps): { pairWeights: Int16Array; starts: Int32Array; pairs: number } {
  const outSize = axis.starts.length;
  let most = 0;
  for (let i = 0; i < outSize; i++) most = Math.max(most, axis.counts[i]);
  const pairs = Math.ceil(most / 2);
  const pairWeights = alloc.i16(outSize * pairs * 8);
  const starts = alloc.i32(outSize);
  pairWeights.fill(0);
  for (let i = 0; i < outSize; i++) {
    starts[i] = axis.starts[i] - axis.first;
    for (let t = 0; t < axis.counts[i]; t++) {
      const v = axis.weights[i * axis.taps + t];
      const at = (i * pairs + (t >> 1)) * 8 + (t & 1);
      pairWeights[at] = v;
      pairWeights[at + 2] = v;
      pairWeights[at + 4] = v;
    }
  }
  return { pairWeights, starts, pairs };
}
