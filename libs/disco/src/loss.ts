/**
 * The loss of one step, per mode, as DisCo/main.py assembles it:
 *   mocov2:   CE(logits)
 *   disco:    CE(logits) + λ·MSE(t(x1), q(x1)) + λ·MSE(t(x2), q(x2))
 *   mse-only: λ·MSE(t(x1), q(x1)) + λ·MSE(t(x2), q(x2))   (CE reported, not trained on)
 *   seed:     ½·[SEED(q(x1), t(x1)) + SEED(q(x2), t(x2))]
 * q(x) is the student's L2-normalised embedding (BatchNorm in train mode, view 1 first, as the
 * reference's `encoder_q(im_q)` then `encoder_q(im_k)`); mocov2 encodes the query view only.
 * Runs inside the gradient tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@disco/models';
import type { AlgoConfig } from './config.ts';
import type { LossTerm } from './errors.ts';
import type { MoCo } from './moco.ts';
import { type SeedDistiller, distillMse } from './distill.ts';
import { l2Normalize } from './ops.ts';

export type Terms = Map<Exclude<LossTerm, 'total'>, tf.Scalar>;

/** The teacher's L2-normalised embeddings of view 1 and view 2, [N, D] each. */
export type TeacherPair = readonly [tf.Tensor2D, tf.Tensor2D];

/** What each mode's loss needs, and only that. */
export type ModeLoss =
  | { mode: 'mocov2'; moco: MoCo; keys: tf.Tensor2D }
  | { mode: 'disco' | 'mse-only'; moco: MoCo; keys: tf.Tensor2D; teacher: TeacherPair }
  | { mode: 'seed'; seed: SeedDistiller; teacher: TeacherPair };

export interface LossParts {
  config: AlgoConfig;
  student: Encoder;
}

/**
 * The student's forward in train mode, its BatchNorm statistics over consecutive groups of
 * `groupSize` (0 or ≥ N: the whole batch); running statistics follow group 0 (see
 * AlgoConfig.studentBnBatch).
 */
function groupedForward(student: Encoder, x: tf.Tensor, groupSize: number): tf.Tensor {
  const n = x.shape[0];
  if (groupSize <= 0 || groupSize >= n) return student.forward(x, { bn: 'train' }); // [N, D]
  const outs = tf.split(x, n / groupSize, 0).map((g, i) => student.forward(g, { bn: i === 0 ? 'train' : 'batch' })); // G × [N/G, D]
  return tf.concat(outs, 0); // [N, D]
}

/**
 * The differentiated total, every term, and (MoCo modes, only when `withLogits`) the InfoNCE
 * logits for a probe: the loss itself never materialises them.
 */
export function lossTerms(parts: LossParts, views: { x1: tf.Tensor; x2: tf.Tensor }, m: ModeLoss, withLogits = false): { total: tf.Scalar; terms: Terms; logits?: tf.Tensor2D } {
  const { lambda, mseReduction, studentBnBatch } = parts.config;
  const terms: Terms = new Map();
  const encode = (x: tf.Tensor) => l2Normalize(groupedForward(parts.student, x, studentBnBatch)); // [N, D]
  const q1 = encode(views.x1); // [N, D]
  if (m.mode === 'mocov2') {
    const logits = withLogits ? m.moco.contrastiveLogits(q1, m.keys) : undefined; // [N, 1+K]
    const ce = m.moco.contrastiveLoss(q1, m.keys); // []
    terms.set('contrastive', ce);
    return { total: ce, terms, logits };
  }
  const q2 = encode(views.x2); // [N, D], right after q1 as the reference encodes them
  const [t1, t2] = m.teacher;
  if (m.mode === 'seed') {
    const total = tf.div(tf.add(m.seed.loss(q1, t1), m.seed.loss(q2, t2)), 2) as tf.Scalar; // []
    terms.set('seed', total);
    return { total, terms };
  }
  const logits = withLogits ? m.moco.contrastiveLogits(q1, m.keys) : undefined; // [N, 1+K]
  const ce = m.moco.contrastiveLoss(q1, m.keys); // []
  terms.set('contrastive', ce);
  const d1 = distillMse(t1, q1, mseReduction); // []
  const d2 = distillMse(t2, q2, mseReduction); // []
  terms.set('distill1', d1);
  terms.set('distill2', d2);
  const distill = tf.add(tf.mul(d1, lambda), tf.mul(d2, lambda)); // []
  const total = (m.mode === 'disco' ? tf.add(ce, distill) : distill) as tf.Scalar; // []
  return { total, terms, logits };
}
