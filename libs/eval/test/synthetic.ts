/** Synthetic feature sets with known answers, for the tests (seeded, no files). */
import { makeFeatureSet, type FeatureSet } from '../src/feature_set.ts';
import { normalSamples, seededRandom } from '../src/rng.ts';

/**
 * `perClass` rows of each of `C` classes: class c sits at 10·e_c plus N(0, 0.3²) noise in
 * every dimension (dim ≥ C), so same-class cosines are ≈ 0.98 and cross-class ≈ 0.
 */
export function separableSet(perClass: number, C: number, dim: number, seed: number): FeatureSet {
  const n = perClass * C;
  const features = normalSamples(n * dim, 0.3, seededRandom(seed, 1));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % C;
    features[i * dim + labels[i]] += 10;
  }
  return makeFeatureSet(features, labels, dim);
}

/** N(0, 1) features with labels uniform over C classes, independent of the features. */
export function randomSet(n: number, C: number, dim: number, seed: number): FeatureSet {
  const rand = seededRandom(seed, 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.floor(rand() * C);
  return makeFeatureSet(normalSamples(n * dim, 1, seededRandom(seed, 3)), labels, dim);
}

/**
 * Hoeffding half-width t with P(|X/n − p| ≥ t) ≤ δ for X ~ Binomial(n, p): t = √(ln(2/δ) / 2n).
 * With test labels drawn independently of everything a classifier saw, its correct count is
 * exactly Binomial(n_test, 1/C) (top-1) or Binomial(n_test, 5/C) (top-5).
 */
export function hoeffdingHalfWidth(n: number, delta: number): number {
  return Math.sqrt(Math.log(2 / delta) / (2 * n));
}
