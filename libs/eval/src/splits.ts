/**
 * Label-fraction splits (the semi-supervised 1 % / 10 % protocol): from each class, a seeded
 * random `round(fraction · n_c)` of its examples, at least 1 and at most n_c. Each class is
 * shuffled by its own stream `(seed, class)`, and the first examples of that order are taken,
 * so for one seed the splits are nested: the 1 % split is a subset of the 10 % split.
 */
import { EvalInputError } from './errors.ts';
import { shuffleInPlace } from '@disco/models';
import { checkSeed, seededRandom } from './rng.ts';

export interface LabelSplit {
  /** Chosen example indices, ascending. */
  indices: Int32Array;
  /** The other indices, ascending (disjoint from `indices`; together they are 0..n-1). */
  rest: Int32Array;
  /** Chosen count per class index (0 for a class with no examples). */
  perClass: Int32Array;
  fraction: number;
  seed: number;
}

/** How many of a class's `n` examples a fraction keeps. */
export function countForFraction(n: number, fraction: number): number {
  return Math.min(n, Math.max(1, Math.round(fraction * n)));
}

/** Draws a per-class label fraction of `labels` deterministically from `seed`. */
export function labelFractionSplit(labels: ArrayLike<number>, fraction: number, seed: number): LabelSplit {
  if (!(fraction > 0 && fraction <= 1)) throw new EvalInputError(`fraction=${fraction} must be in (0, 1]`);
  checkSeed(seed);
  let C = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw new EvalInputError(`labels[${i}]=${l} is not a class index ≥ 0`);
    if (l + 1 > C) C = l + 1;
  }
  const byClass: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const chosen = new Uint8Array(labels.length);
  const perClass = new Int32Array(C);
  for (let c = 0; c < C; c++) {
    const members = byClass[c];
    if (members.length === 0) continue;
    shuffleInPlace(members, seededRandom(seed, c));
    perClass[c] = countForFraction(members.length, fraction);
    for (let j = 0; j < perClass[c]; j++) chosen[members[j]] = 1;
  }
  const total = perClass.reduce((a, b) => a + b, 0);
  const indices = new Int32Array(total);
  const rest = new Int32Array(labels.length - total);
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    if (chosen[i]) indices[a++] = i;
    else rest[b++] = i;
  }
  return { indices, rest, perClass, fraction, seed };
}
