/**
 * The step RNG. Randomness inside a step (the Shuffle-BN permutation) is drawn from a generator
 * keyed by (seed, step), so the RNG state is exactly `{seed, step}`: a restored trainer draws
 * the same numbers as an uninterrupted one, on every backend (no tfjs random ops involved).
 */
import { InitRng, mixSeed, randomPermutation } from '@disco/models';

export const STEP_RNG_ALGORITHM = 'mulberry32(splitmix32(seed, step, stream))';

/** Streams of the step RNG, so that adding a new draw never shifts an existing one. */
export const RNG_STREAMS = { shuffle: 1, queueInit: 2 } as const;

/** A generator for one (seed, step, stream). `step` may exceed 2³² (split into two words). */
export function stepRng(seed: number, step: number, stream: number): InitRng {
  const hi = Math.floor(step / 4294967296);
  return new InitRng(mixSeed([seed, step >>> 0, hi, stream]));
}

/** The Shuffle-BN permutation of `step`: 0…n−1 shuffled with the step RNG's shuffle stream. */
export function stepPermutation(seed: number, step: number, n: number): Int32Array {
  const rng = stepRng(seed, step, RNG_STREAMS.shuffle);
  return randomPermutation(n, () => rng.uniform());
}

/** The inverse permutation: inverse[perm[i]] = i (PyTorch's `argsort(idx_shuffle)`). */
export function inversePermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/** Throws RangeError unless `perm` is a permutation of 0…n−1. */
export function assertPermutation(perm: ArrayLike<number>, n: number, what: string): void {
  if (perm.length !== n) throw new RangeError(`${what}: length ${perm.length} is not the batch size ${n}`);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = perm[i];
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) throw new RangeError(`${what}: entry ${i} (${v}) breaks the permutation of 0…${n - 1}`);
    seen[v] = 1;
  }
}
