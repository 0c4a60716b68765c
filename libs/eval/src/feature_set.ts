/**
 * Frozen features with their labels, held in plain typed arrays (row-major [n, dim]) so they
 * can be cached, written to disk and handed between the kNN and the linear probe without
 * touching the tfjs backend.
 */
import { EvalInputError } from './errors.ts';

export interface FeatureSet {
  /** Row-major [n, dim] features. */
  readonly features: Float32Array;
  /** Class index per row, in [0, numClasses). */
  readonly labels: Int32Array;
  readonly n: number;
  readonly dim: number;
}

/**
 * Builds a checked FeatureSet: `features.length === n·dim`, integer labels ≥ 0, finite values.
 * `what` names the set in error messages (e.g. 'train', 'test').
 */
export function makeFeatureSet(features: Float32Array, labels: ArrayLike<number>, dim: number, what = 'features'): FeatureSet {
  if (!Number.isInteger(dim) || dim < 1) throw new EvalInputError(`${what}: dim=${dim} must be a positive integer`);
  const n = labels.length;
  if (features.length !== n * dim) {
    throw new EvalInputError(`${what}: ${features.length} feature values do not make ${n} rows of dim ${dim}`);
  }
  const lab = labels instanceof Int32Array ? labels : Int32Array.from(labels);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0) throw new EvalInputError(`${what}: label[${i}]=${labels[i]} is not a class index ≥ 0`);
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i])) {
      throw new EvalInputError(`${what}: feature value at row ${Math.floor(i / dim)}, column ${i % dim} is ${features[i]}`);
    }
  }
  return { features, labels: lab, n, dim };
}

/** The rows `indices` of `set`, in that order (a copy). */
export function subsetFeatures(set: FeatureSet, indices: ArrayLike<number>): FeatureSet {
  const { dim } = set;
  const features = new Float32Array(indices.length * dim);
  const labels = new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= set.n) throw new EvalInputError(`subset: index ${i} is outside [0, ${set.n})`);
    features.set(set.features.subarray(i * dim, (i + 1) * dim), r * dim);
    labels[r] = set.labels[i];
  }
  return { features, labels, n: indices.length, dim };
}

/** 1 + the largest label of any given set (0 for no rows). */
export function inferNumClasses(...sets: FeatureSet[]): number {
  let max = -1;
  for (const s of sets) for (const l of s.labels) if (l > max) max = l;
  return max + 1;
}

/** Checks that train and test can be compared and returns the class count to use. */
export function checkPair(train: FeatureSet, test: FeatureSet, numClasses?: number): number {
  if (train.dim !== test.dim) throw new EvalInputError(`train dim ${train.dim} differs from test dim ${test.dim}`);
  if (train.n < 1) throw new EvalInputError('train set is empty');
  if (test.n < 1) throw new EvalInputError('test set is empty');
  const inferred = inferNumClasses(train, test);
  const c = numClasses ?? inferred;
  if (!Number.isInteger(c) || c < inferred) {
    throw new EvalInputError(`numClasses=${numClasses} is smaller than 1 + the largest label (${inferred})`);
  }
  return c;
}

/**
 * Rank of class `label` in the scores row `scores[offset .. offset+C)`: how many classes come
 * before it when ranked by score, highest first, ties going to the lower class index.
 */
export function rankOf(scores: ArrayLike<number>, offset: number, C: number, label: number): number {
  const s = scores[offset + label];
  let r = 0;
  for (let c = 0; c < C; c++) {
    const v = scores[offset + c];
    if (v > s || (v === s && c < label)) r++;
  }
  return r;
}

/** Arg-max of a scores row, ties going to the lower class index. */
export function argMax(scores: ArrayLike<number>, offset: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (scores[offset + c] > scores[offset + best]) best = c;
  return best;
}
