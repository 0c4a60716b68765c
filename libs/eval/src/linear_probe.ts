/**
 * Linear probe on frozen features (the paper's metric, scaled to small data): one linear layer
 * [dim → C] trained by SGD with momentum, softmax cross-entropy, no weight decay, a cosine or
 * step schedule; then top-1 / top-5 on the test features. The gradient of softmax-CE for a
 * linear layer is written out (∂L/∂logits = (softmax − onehot)/B), which is exact and avoids
 * tape overhead. All randomness (initial weights, epoch shuffles) comes from `seed` through
 * our own PRNG, so a run is reproducible bit-for-bit on one backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveLinearProbeConfig, type LinearProbeConfig, type ProbePreprocess, type ProbeSchedule } from './config.ts';
import { ProbeDivergedError } from './errors.ts';
import { checkPair, argMax, rankOf, type FeatureSet } from './feature_set.ts';
import { learningRateAt } from './lr_schedule.ts';
import { fitTransform } from './preprocess.ts';
import { randomPermutation } from '@disco/models';
import { normalSamples, seededRandom } from './rng.ts';

/** JSON-friendly summary of one probe run. */
export interface LinearProbeResult {
  /** Test fraction whose highest logit is the label, in [0, 1]. */
  top1: number;
  /** Test fraction whose label is among the min(5, C) highest logits. */
  top5: number;
  epochs: number;
  lr: number;
  batch_size: number;
  momentum: number;
  weight_decay: 0;
  schedule: ProbeSchedule;
  preprocess: ProbePreprocess;
  seed: number;
  /** Mean train cross-entropy of the last epoch. */
  final_loss: number;
}

export interface LinearProbeEvaluation extends LinearProbeResult {
  /** Highest-logit class per test row. */
  predictions: Int32Array;
  /** Mean train cross-entropy per epoch. */
  lossPerEpoch: number[];
}

/** A variable holding `init` (which it takes over and disposes). */
function variableFrom(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init);
  init.dispose();
  return v;
}

/** Rows of test logits computed and ranked per chunk. */
const EVAL_ROWS = 4096;

/** Trains a linear classifier on `train` and measures it on `test`. */
export async function linearProbe(train: FeatureSet, test: FeatureSet, config: Partial<LinearProbeConfig> = {}): Promise<LinearProbeEvaluation> {
  const cfg = resolveLinearProbeConfig(config);
  const C = checkPair(train, test, cfg.numClasses);
  const D = train.dim;
  const N = train.n;
  const transform = fitTransform(cfg.preprocess, train);
  const tr = transform.apply(train);
  const te = transform.apply(test);

  const W = variableFrom(tf.tensor2d(normalSamples(D * C, 0.01, seededRandom(cfg.seed, 0)), [D, C])); // [D, C]
  const b = variableFrom(tf.zeros([C])); // [C]
  const vW = variableFrom(tf.zeros([D, C])); // [D, C] momentum buffer
  const vb = variableFrom(tf.zeros([C])); // [C]
  const lossSum = variableFrom(tf.scalar(0)); // []
  // Batches are gathered on the JS side: tf.gather from an [N, D] tensor costs ~15× more on wasm.
  const xBuf = new Float32Array(cfg.batchSize * D);
  const yBuf = new Int32Array(cfg.batchSize);
  const stepsPerEpoch = Math.ceil(N / cfg.batchSize);
  const lossPerEpoch: number[] = [];
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = randomPermutation(N, seededRandom(cfg.seed, 1, epoch));
      for (let s = 0; s < stepsPerEpoch; s++) {
        const ids = order.subarray(s * cfg.batchSize, Math.min(N, (s + 1) * cfg.batchSize));
        const lr = learningRateAt(cfg.schedule, cfg.lr, epoch * stepsPerEpoch + s, stepsPerEpoch, cfg.epochs);
        const m = ids.length;
        for (let r = 0; r < m; r++) {
          xBuf.set(tr.features.subarray(ids[r] * D, (ids[r] + 1) * D), r * D);
          yBuf[r] = tr.labels[ids[r]];
        }
        tf.tidy(() => {
          const xb = tf.tensor2d(xBuf.subarray(0, m * D), [m, D]); // [B, D]
          const yb = tf.oneHot(tf.tensor1d(yBuf.subarray(0, m), 'int32'), C); // [B, C]
          const logp = tf.logSoftmax(tf.add(tf.matMul(xb, W), b)); // [B, C]
          const loss = tf.neg(tf.mean(tf.sum(tf.mul(yb, logp), 1))); // []
          const g = tf.div(tf.sub(tf.exp(logp), yb), m); // [B, C] ∂loss/∂logits
          // xbᵀ·g computed as (gᵀ·xb)ᵀ: wasm's matMul is slow with a large transposed operand.
          const gW = tf.transpose(tf.matMul(g, xb, true, false)); // [D, C]
          vW.assign(tf.add(tf.mul(vW, cfg.momentum), gW)); // [D, C]
          vb.assign(tf.add(tf.mul(vb, cfg.momentum), tf.sum(g, 0))); // [C]
          W.assign(tf.sub(W, tf.mul(vW, lr))); // [D, C]
          b.assign(tf.sub(b, tf.mul(vb, lr))); // [C]
          lossSum.assign(tf.add(lossSum, tf.mul(loss, m))); // []
        });
      }
      const mean = (await lossSum.data())[0] / N;
      if (!Number.isFinite(mean)) {
        throw new ProbeDivergedError(`linear probe diverged: mean loss ${mean} at epoch ${epoch} (lr=${cfg.lr}, preprocess=${cfg.preprocess}); lower lr`);
      }
      lossPerEpoch.push(mean);
      tf.tidy(() => lossSum.assign(tf.zerosLike(lossSum)));
    }
    const predictions = new Int32Array(te.n);
    let correct1 = 0;
    let correct5 = 0;
    const top = Math.min(5, C);
    for (let start = 0; start < te.n; start += EVAL_ROWS) {
      const end = Math.min(te.n, start + EVAL_ROWS);
      const logits = tf.tidy(() => tf.add(tf.matMul(tf.tensor2d(te.features.subarray(start * D, end * D), [end - start, D]), W), b)); // [m, C]
      const scores = await logits.data();
      logits.dispose();
      for (let r = 0; r < end - start; r++) {
        predictions[start + r] = argMax(scores, r * C, C);
        const rank = rankOf(scores, r * C, C, te.labels[start + r]);
        if (rank === 0) correct1++;
        if (rank < top) correct5++;
      }
    }
    return {
      top1: correct1 / te.n,
      top5: correct5 / te.n,
      epochs: cfg.epochs,
      lr: cfg.lr,
      batch_size: cfg.batchSize,
      momentum: cfg.momentum,
      weight_decay: 0,
      schedule: cfg.schedule,
      preprocess: cfg.preprocess,
      seed: cfg.seed,
      final_loss: lossPerEpoch[lossPerEpoch.length - 1],
      predictions,
      lossPerEpoch,
    };
  } finally {
    tf.dispose([W, b, vW, vb, lossSum]);
  }
}
