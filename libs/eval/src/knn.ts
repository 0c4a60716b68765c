/**
 * Weighted k-nearest-neighbour classifier on frozen features (InstDisc, Wu et al. 2018;
 * solo-learn's `WeightedKNNClassifier`): features are L2-normalised, each test row takes its
 * k most cosine-similar train rows, and each neighbour votes for its label with weight
 * exp(sim / T). The test set goes through in row chunks, so only one [rows, n_train]
 * similarity block exists at a time.
 *
 * Ties, made explicit (PyTorch leaves them to the sort):
 * - at the k-th neighbour: the lower train index is taken (tf.topk's order on cpu and wasm);
 * - between class scores: the lower class index ranks first;
 * - a class no neighbour voted for is never counted as predicted, so top-5 never exceeds
 *   top-min(5, classes that got a vote) (solo-learn: top-min(5, k)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveKnnConfig, type KnnConfig } from './config.ts';
import { argMax, checkPair, rankOf, type FeatureSet } from './feature_set.ts';

export interface KnnResult {
  /** Fraction of test rows whose top-voted class is the label, in [0, 1]. */
  top1: number;
  /** Fraction whose label is among the 5 highest-voted classes (that got a vote). */
  top5: number;
  /** Neighbours actually used (the configured k, clamped to n_train). */
  k: number;
  T: number;
}

export interface KnnEvaluation extends KnnResult {
  /** Top-voted class per test row. */
  predictions: Int32Array;
}

/** Rows scaled to unit L2 norm (zero rows stay zero): [n, D] → [n, D]. */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), 1, true)); // [n, 1]
    return tf.div(x, tf.maximum(norm, 1e-12)) as tf.Tensor2D; // [n, D]
  });
}

/** Classifies every test row by a weighted vote of its k nearest train rows. */
export async function knnClassify(train: FeatureSet, test: FeatureSet, config: Partial<KnnConfig> = {}): Promise<KnnEvaluation> {
  const cfg = resolveKnnConfig(config);
  const C = checkPair(train, test, cfg.numClasses);
  const D = train.dim;
  const k = Math.min(cfg.k, train.n);
  const rows = Math.max(1, Math.floor(cfg.maxChunkElements / train.n));
  // The bank is stored transposed: tfjs-wasm's matMul is ~9× slower with transposeB.
  const bankT = tf.tidy(() => tf.transpose(l2Normalize(tf.tensor2d(train.features, [train.n, D])))); // [D, n_train]
  const predictions = new Int32Array(test.n);
  const votes = new Float64Array(C);
  const hasVote = new Uint8Array(C);
  let correct1 = 0;
  let correct5 = 0;
  try {
    for (let start = 0; start < test.n; start += rows) {
      const end = Math.min(test.n, start + rows);
      const top = tf.tidy(() => {
        const q = l2Normalize(tf.tensor2d(test.features.subarray(start * D, end * D), [end - start, D])); // [m, D]
        const sim = tf.matMul(q, bankT); // [m, n_train]
        return tf.topk(sim, k, true); // values, indices: [m, k]
      });
      const [sims, idx] = await Promise.all([top.values.data(), top.indices.data()]);
      tf.dispose([top.values, top.indices]);
      for (let r = 0; r < end - start; r++) {
        votes.fill(0);
        hasVote.fill(0);
        let voted = 0;
        // Weights exp((sim − sim_max) / T): the same ranking as exp(sim / T), never overflowing.
        const simMax = sims[r * k];
        for (let j = 0; j < k; j++) {
          const cls = train.labels[idx[r * k + j]];
          if (!hasVote[cls]) voted++;
          hasVote[cls] = 1;
          votes[cls] += Math.exp((sims[r * k + j] - simMax) / cfg.T);
        }
        const label = test.labels[start + r];
        predictions[start + r] = argMax(votes, 0, C);
        if (hasVote[label]) {
          const rank = rankOf(votes, 0, C, label);
          if (rank === 0) correct1++;
          if (rank < Math.min(5, voted)) correct5++;
        }
      }
    }
  } finally {
    bankT.dispose();
  }
  return { top1: correct1 / test.n, top5: correct5 / test.n, k, T: cfg.T, predictions };
}
