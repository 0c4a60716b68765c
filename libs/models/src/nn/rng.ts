/**
 * disco's one seeded generator and its one shuffle, so that weights, plans, splits and
 * Shuffle-BN permutations are the same numbers on every backend and machine (tfjs's random ops
 * differ between backends). The augmentation's counter-based generator (libs/augment/src/prng.ts)
 * is separate: it must re-create any image's views from (seed, epoch, index, view) alone.
 */

/** A small seeded generator (mulberry32) with a Box–Muller normal. */
export class InitRng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = Math.max(this.uniform(), 1e-12);
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/**
 * Mixes 32-bit words into one seed (the splitmix32 finaliser applied per word), e.g. a run seed
 * and a step or epoch, so each combination keys its own `InitRng` stream. `start` separates
 * families of streams that must never collide.
 */
export function mixSeed(words: readonly number[], start = 0x9e3779b9): number {
  let h = start >>> 0;
  for (const w of words) {
    h = (h + (w >>> 0) + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Fisher–Yates: shuffles `a` in place with `uniform` draws in [0, 1); returns `a`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, uniform: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** A uniform random permutation of 0…n−1 (Int32Array unless another integer array type is given). */
export function randomPermutation<T extends Int32Array | Uint32Array = Int32Array>(n: number, uniform: () => number, ArrayType: new (n: number) => T = Int32Array as unknown as new (n: number) => T): T {
  const p = new ArrayType(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, uniform);
}
