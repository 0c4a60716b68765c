/**
 * The cross-entropy of queries against their positives and a queue of K keys, as one op:
 *   logits = [q·pos, q·queueᵀ] / T   [N, 1+K]
 *   loss   = −(1/N) Σ_n Σ_j y_nj · log softmax(logits)_nj
 * with y one-hot at column 0 (MoCo's InfoNCE: `CrossEntropyLoss` against label 0) or the given
 * soft `targets` (SEED). Also returns softmax(logits) (SEED's teacher targets are exactly that).
 *
 * On 'native' it is one libtorch call each way (no [N, 1+K] concat whose gradient would be a
 * JavaScript split: seconds per step at K = 65,536); everywhere else the tfjs ops it replaces,
 * so the losses call it unconditionally.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { DISCO_QUEUE_CROSS_ENTROPY } from './kernels/DiscoQueueCrossEntropy.ts';
import { NATIVE_BACKEND_NAME } from './native_backend.ts';

export interface QueueCrossEntropyResult {
  /** []: the mean cross-entropy. */
  loss: Scalar;
  /** [N, 1+K]: softmax of the logits (no gradient flows through it). */
  probs: Tensor2D;
}

/** q and pos [N, D], queue [K, D], targets [N, 1+K] (default one-hot at column 0). */
export function queueCrossEntropy(q: Tensor, pos: Tensor, queue: Tensor, T: number, targets?: Tensor): QueueCrossEntropyResult {
  const [n, d] = q.shape;
  const k = queue.shape[0];
  const ok = q.rank === 2 && pos.rank === 2 && queue.rank === 2 && pos.shape[0] === n && pos.shape[1] === d && queue.shape[1] === d &&
    (!targets || (targets.rank === 2 && targets.shape[0] === n && targets.shape[1] === k + 1));
  if (!ok) {
    throw new RangeError(`queueCrossEntropy: q [${q.shape}], pos [${pos.shape}], queue [${queue.shape}]${targets ? `, targets [${targets.shape}]` : ''} do not fit q, pos [N, D], queue [K, D], targets [N, 1+K]`);
  }
  if (tf.getBackend() === NATIVE_BACKEND_NAME && [q, pos, queue, targets].every((t) => !t || t.dtype === 'float32') && n > 0 && k > 0) {
    const y = targets ?? tf.zeros([0]); // [0] = one-hot at column 0
    const [loss, probs] = tf.engine().runKernel(DISCO_QUEUE_CROSS_ENTROPY, { q, pos, queue, targets: y }, { T }) as Tensor[]; // [], [N, 1+K]
    if (!targets) y.dispose();
    return { loss: loss as Scalar, probs: probs as Tensor2D };
  }
  return tf.tidy(() => {
    const lPos = tf.sum(tf.mul(q, pos), 1, true); // [N, 1]
    const lNeg = tf.matMul(q, queue, false, true); // [N, K]
    const logits = tf.div(tf.concat([lPos, lNeg], 1), T); // [N, 1+K]
    const logp = tf.logSoftmax(logits, 1); // [N, 1+K]
    const loss = targets
      ? tf.neg(tf.div(tf.sum(tf.mul(targets, logp)), n)) // []
      : tf.neg(tf.mean(tf.slice(logp, [0, 0], [n, 1]))); // []
    return { loss: loss as Scalar, probs: tf.exp(logp) as Tensor2D };
  });
}
