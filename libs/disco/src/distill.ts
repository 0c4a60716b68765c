/**
 * The distillation terms: DisCo's MSE between the student's and the frozen teacher's
 * L2-normalised embeddings of the same view, and SEED's soft cross-entropy over similarities to
 * a queue of teacher embeddings. The teacher's embeddings arrive from outside (another process
 * runs the teacher); nothing here ever differentiates through them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MseReduction } from './config.ts';
import { queueCrossEntropy } from '@disco/tensor';
import { KeyQueue } from './queue.ts';
import { rowDot } from './ops.ts';

/**
 * ‖t − q‖² of one view, reduced over N and D as `reduction` says. DisCo/main.py computes
 * `criterion_mse(teacher_q, student_q)` with `criterion_mse = nn.MSELoss(reduction='sum')`;
 * see `AlgoConfig.mseReduction` for how λ·batchmean reproduces its effective weight.
 */
export function distillMse(t: tf.Tensor2D, q: tf.Tensor2D, reduction: MseReduction): tf.Scalar {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(t, q); // [N, D]
    if (reduction === 'sum') return tf.sum(sq) as tf.Scalar; // []
    if (reduction === 'mean') return tf.mean(sq) as tf.Scalar; // []
    return tf.div(tf.sum(sq), t.shape[0]) as tf.Scalar; // []
  });
}

export interface SeedHyper {
  /** Student temperature τ_s. */
  Ts: number;
  /** Teacher temperature τ_t. */
  Tt: number;
}

/**
 * SEED (Fang et al., ICLR 2021; jacobswan1/SEED `seed/builder.py` + `soft_cross_entropy`):
 * with s = student and t = teacher embeddings of an image and Q the queue of teacher embeddings,
 *   p_t = softmax([t·t, t·Q] / τ_t),   loss = −(1/N)·Σ_n p_t · log softmax([s·t, s·Q] / τ_s).
 * Here each step applies it to both views (the mean of the two), then enqueues the teacher
 * embeddings of both views — SEED on a batch of 2N images, so K must be a multiple of 2N.
 */
export class SeedDistiller {
  constructor(
    readonly queue: KeyQueue,
    readonly hyper: SeedHyper,
  ) {}

  /** Student logits [N, 1+K] at τ_s and the teacher's soft targets [N, 1+K] at τ_t (for inspection; the loss fuses them). */
  logits(s: tf.Tensor2D, t: tf.Tensor2D): { student: tf.Tensor2D; targets: tf.Tensor2D } {
    return tf.tidy(() => {
      const Q = this.queue.keys as tf.Tensor2D; // [K, D]
      const student = tf.div(tf.concat([rowDot(s, t), tf.matMul(s, Q, false, true)], 1), this.hyper.Ts); // [N, 1+K]
      const teacher = tf.div(tf.concat([rowDot(t, t), tf.matMul(t, Q, false, true)], 1), this.hyper.Tt); // [N, 1+K]
      return { student: student as tf.Tensor2D, targets: tf.softmax(teacher, 1) as tf.Tensor2D }; // [N, 1+K] each
    });
  }

  /** SEED's loss for one view, as two queue cross-entropy ops (no [N, 1+K] logits on the tape). */
  loss(s: tf.Tensor2D, t: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const Q = this.queue.keys; // [K, D]
      const targets = queueCrossEntropy(t, t, Q, this.hyper.Tt).probs; // [N, 1+K] softmax([t·t, t·Q] / τ_t)
      return queueCrossEntropy(s, t, Q, this.hyper.Ts, targets).loss; // [] (targets hold no variables: no gradient)
    });
  }

  /** Enqueues the teacher embeddings of both views, view 1 first. */
  dequeueAndEnqueue(t1: tf.Tensor2D, t2: tf.Tensor2D): void {
    tf.tidy(() => this.queue.dequeueAndEnqueue(tf.concat([t1, t2], 0))); // [2N, D] into [K, D]
  }

  /** Enqueues rows already assembled (data-parallel: every replica's [t1; t2], in rank order). */
  enqueueRows(rows: tf.Tensor2D): void {
    this.queue.dequeueAndEnqueue(rows); // [W·2n, D] into [K, D]
  }
}
