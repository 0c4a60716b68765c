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
import type { StepInput } from './step_input.ts';

export type Terms = Map<Exclude<LossTerm, 'total'>, tf.Scalar>;

export interface LossParts {
  config: AlgoConfig;
  student: Encoder;
  moco?: MoCo;
  seed?: SeedDistiller;
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
export function lossTerms(parts: LossParts, input: StepInput, k?: tf.Tensor2D, withLogits = false): { total: tf.Scalar; terms: Terms; logits?: tf.Tensor2D } {
  const { mode, lambda, mseReduction } = parts.config;
  const terms: Terms = new Map();
  const t1 = input.t1 as tf.Tensor2D; // [N, D]
  const t2 = input.t2 as tf.Tensor2D; // [N, D]
  const encode = (x: tf.Tensor) => l2Normalize(groupedForward(parts.student, x, parts.config.studentBnBatch)); // [N, D]
  const q1 = encode(input.x1); // [N, D]
  const q2 = mode === 'mocov2' ? undefined : encode(input.x2); // [N, D]
  if (mode === 'seed') {
    const seed = parts.seed!;
    const total = tf.div(tf.add(seed.loss(q1, t1), seed.loss(q2!, t2)), 2) as tf.Scalar; // []
    terms.set('seed', total);
    return { total, terms };
  }
  const moco = parts.moco!;
  const logits = withLogits ? moco.contrastiveLogits(q1, k!) : undefined; // [N, 1+K]
  const ce = moco.contrastiveLoss(q1, k!); // []
  terms.set('contrastive', ce);
  if (mode === 'mocov2') return { total: ce, terms, logits };
  const d1 = distillMse(t1, q1, mseReduction); // []
  const d2 = distillMse(t2, q2!, mseReduction); // []
  terms.set('distill1', d1);
  terms.set('distill2', d2);
  const distill = tf.add(tf.mul(d1, lambda), tf.mul(d2, lambda)); // []
  const total = (mode === 'disco' ? tf.add(ce, distill) : distill) as tf.Scalar; // []
  return { total, terms, logits };
}
