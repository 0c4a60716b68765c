/**
 * The augmentation's random numbers: one Philox stream per (runSeed, epoch, image index,
 * stream). Key = runSeed (53-bit integer, as two words); counter = (epoch, index, stream,
 * block). Streams 2a and 2a+1 are the two views of attempt a (a = 0 unless the image replaces
 * a rejected one); streams from REPLACEMENT_STREAM up pick replacement images.
 */
import { AugmentConfigError } from './errors.ts';
import { philox4x32 } from './philox.ts';

export const REPLACEMENT_STREAM = 0x8000_0000;
const TWO_POW_32 = 4294967296;

function checkWord(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_POW_32) {
    throw new AugmentConfigError(`${name} must be an integer in [0, 2^32), got ${v}`);
  }
}

/** Stream number of view `view` (0 or 1) of replacement attempt `attempt` (0 = the image itself). */
export function viewStream(view: number, attempt = 0): number {
  if (view !== 0 && view !== 1) throw new AugmentConfigError(`view must be 0 or 1, got ${view}`);
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= 0x4000_0000) {
    throw new AugmentConfigError(`attempt must be an integer in [0, 2^30), got ${attempt}`);
  }
  return 2 * attempt + view;
}

export class CounterRng {
  private readonly counter = new Uint32Array(4);
  private readonly block = new Uint32Array(4);
  private readonly k0: number;
  private readonly k1: number;
  private used = 4;

  constructor(runSeed: number, epoch: number, index: number, stream: number) {
    if (!Number.isSafeInteger(runSeed) || runSeed < 0) {
      throw new AugmentConfigError(`runSeed must be a non-negative safe integer, got ${runSeed}`);
    }
    checkWord('epoch', epoch);
    checkWord('index', index);
    checkWord('stream', stream);
    this.k0 = runSeed % TWO_POW_32;
    this.k1 = Math.floor(runSeed / TWO_POW_32);
    this.counter[0] = epoch;
    this.counter[1] = index;
    this.counter[2] = stream;
  }

  /** The next uint32 of the stream. */
  nextUint32(): number {
    if (this.used === 4) {
      philox4x32(this.counter, this.k0, this.k1, this.block);
      this.counter[3] += 1;
      this.used = 0;
    }
    return this.block[this.used++];
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniform random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** The stream of view `view` (0 or 1) of image `index` in `epoch`, attempt `attempt`. */
export function viewRng(runSeed: number, epoch: number, index: number, view: number, attempt = 0): CounterRng {
  return new CounterRng(runSeed, epoch, index, viewStream(view, attempt));
}
