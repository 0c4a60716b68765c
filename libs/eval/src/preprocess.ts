/**
 * Feature transforms applied before the linear probe, fitted on the train features only and
 * then applied unchanged to the test features (a frozen, affine-free BatchNorm for
 * `standardize`).
 */
import type { ProbePreprocess } from './config.ts';
import type { FeatureSet } from './feature_set.ts';

export interface FeatureTransform {
  apply(set: FeatureSet): FeatureSet;
}

/** Per-dimension mean and std (population) of the train rows; std floored at 1e-6. */
export function fitStandardizer(train: FeatureSet): FeatureTransform {
  const { n, dim, features } = train;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) mean[d] += features[i * dim + d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= n;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = features[i * dim + d] - mean[d];
      sq[d] += v * v;
    }
  }
  const inv = new Float64Array(dim);
  for (let d = 0; d < dim; d++) inv[d] = 1 / Math.max(Math.sqrt(sq[d] / n), 1e-6);
  return {
    apply(set) {
      const out = new Float32Array(set.features.length);
      for (let i = 0; i < set.n; i++) {
        for (let d = 0; d < dim; d++) out[i * dim + d] = (set.features[i * dim + d] - mean[d]) * inv[d];
      }
      return { ...set, features: out };
    },
  };
}

const l2Rows: FeatureTransform = {
  apply(set) {
    const { dim } = set;
    const out = new Float32Array(set.features.length);
    for (let i = 0; i < set.n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += set.features[i * dim + d] ** 2;
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let d = 0; d < dim; d++) out[i * dim + d] = set.features[i * dim + d] * inv;
    }
    return { ...set, features: out };
  },
};

const identity: FeatureTransform = { apply: (set) => set };

export function fitTransform(kind: ProbePreprocess, train: FeatureSet): FeatureTransform {
  if (kind === 'standardize') return fitStandardizer(train);
  if (kind === 'l2') return l2Rows;
  return identity;
}
