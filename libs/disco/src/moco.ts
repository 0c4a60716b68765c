/**
 * MoCo-v2 (He et al. 2020; Chen et al. 2020), the shape of facebookresearch/moco `builder.py`:
 * a query encoder trained by gradient, a key encoder that is its EMA, a queue of K keys and the
 * InfoNCE logits [N, 1+K] at temperature T. DisCo's distillation sits on top (distill.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, NamedTensor } from '@disco/models';
import { KeyQueue } from './queue.ts';
import { shuffledGhostForward } from './shuffle_bn.ts';
import { emaUpdate, queueCrossEntropy } from '@disco/tensor';
import { rowDot } from './ops.ts';

export interface MoCoHyper {
  /** EMA momentum of the key encoder. */
  m: number;
  /** InfoNCE temperature. */
  T: number;
  /** Ghost batch size of the Shuffle-BN substitute. */
  ghostBatchSize: number;
}

export class MoCo {
  private readonly pairs: Array<[NamedTensor, NamedTensor]>;

  /** `encoderK` must have the architecture of `encoderQ`; it is frozen here (no gradients). */
  constructor(
    readonly encoderQ: Encoder,
    readonly encoderK: Encoder,
    readonly queue: KeyQueue,
    readonly hyper: MoCoHyper,
  ) {
    const q = encoderQ.namedTensors().filter((t) => t.kind === 'param');
    const k = new Map(encoderK.namedTensors().map((t) => [t.name, t]));
    this.pairs = q.map((tq) => {
      const tk = k.get(tq.name);
      if (!tk || tk.kind !== 'param') throw new RangeError(`MoCo: key encoder has no parameter '${tq.name}'`);
      return [tq, tk];
    });
    encoderK.setTrainable(false);
  }

  /**
   * θ_k ← m·θ_k + (1−m)·θ_q over parameters only (`_momentum_update_key_encoder`); the key
   * encoder's BatchNorm running statistics are its own, updated by its forward passes.
   */
  momentumUpdateKeyEncoder(): void {
    const { m } = this.hyper;
    tf.tidy(() => {
      for (const [q, k] of this.pairs) {
        k.variable.assign(emaUpdate(k.variable, q.variable, m)); // shape of θ
      }
    });
  }

  /** Keys of the key view, no gradient: shuffled ghost batches, unshuffled, normalised. */
  encodeKeys(xK: tf.Tensor, perm: Int32Array): tf.Tensor2D {
    return shuffledGhostForward(this.encoderK, xK, perm, this.hyper.ghostBatchSize); // [N, D]
  }

  /**
   * logits = [q·k⁺, q·queue] / T: the positive is column 0. For inspection (step probes,
   * tests): the loss below computes them inside its own kernel.
   */
  contrastiveLogits(q: tf.Tensor2D, k: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const lPos = rowDot(q, k); // [N, 1]
      const lNeg = tf.matMul(q, this.queue.keys as tf.Tensor2D, false, true); // [N, K]
      return tf.div(tf.concat([lPos, lNeg], 1), this.hyper.T) as tf.Tensor2D; // [N, 1+K]
    });
  }

  /**
   * InfoNCE: cross-entropy of the logits above with label 0 for every row, averaged
   * (`nn.CrossEntropyLoss()`), as one op (no [N, 1+K] tensor on the tape).
   */
  contrastiveLoss(q: tf.Tensor2D, k: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { loss, probs } = queueCrossEntropy(q, k, this.queue.keys, this.hyper.T); // [], [N, 1+K]
      probs.dispose();
      return loss;
    });
  }

  /** Enqueues this batch's keys, replacing the oldest (`_dequeue_and_enqueue`). */
  dequeueAndEnqueue(k: tf.Tensor2D): void {
    this.queue.dequeueAndEnqueue(k); // [N, D] into [K, D]
  }
}
