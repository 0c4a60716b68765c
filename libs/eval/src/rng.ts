/**
 * The evaluation's random streams: disco's seeded generator (mulberry32, libs/models) keyed by a
 * hash of the seed and a stream id, so that splits, shuffles and initial weights are identical
 * on every backend and machine.
 */
import { InitRng } from '@disco/models';
import { EvalInputError } from './errors.ts';

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Checks a user seed: an integer in [0, 2^32). */
export function checkSeed(seed: number, what = 'seed'): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new EvalInputError(`${what}=${seed} must be an integer in [0, 2^32)`);
  }
}

/** A uniform [0, 1) generator for the stream `(seed, ...stream)`. */
export function seededRandom(seed: number, ...stream: number[]): () => number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const s of stream) h = mix32(h ^ mix32((s >>> 0) + 0x632be5ab));
  const rng = new InitRng(h);
  return () => rng.uniform();
}

/** Standard normal draws (Box–Muller). */
export function normalSamples(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand(); // (0, 1]
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
