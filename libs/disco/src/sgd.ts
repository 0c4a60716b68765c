/**
 * SGD with momentum in PyTorch's exact semantics (`torch.optim.SGD`, dampening 0, no Nesterov):
 *   d = g + wd·θ;   buf = momentum·buf + d   (buf = d on the first step);   θ ← θ − lr·buf.
 * A zero-initialised buffer gives the first step bit-for-bit (0·momentum + d = d). As in MoCo
 * and DisCo, weight decay applies to every parameter (BatchNorm affine and biases included);
 * a parameter without a gradient this step is skipped entirely, as torch skips `grad is None`.
 * The update itself is `@disco/tensor`'s `sgdMomentumStep` (one pass on the native backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@disco/models';
import { sgdMomentumStep } from '@disco/tensor';

export interface SgdHyper {
  momentum: number;
  weightDecay: number;
}

export class TorchSgd {
  /** Momentum buffers by parameter name (the optimiser's slots). */
  readonly buffers = new Map<string, tf.Variable>();

  constructor(
    readonly params: readonly NamedTensor[],
    readonly hyper: SgdHyper,
  ) {
    for (const p of params) {
      const zeros = tf.zerosLike(p.variable); // shape of θ
      this.buffers.set(p.name, tf.variable(zeros, false));
      zeros.dispose();
    }
  }

  /** One update with `grads` keyed by parameter name. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay } = this.hyper;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads.get(p.name);
        if (!g) continue;
        const buf = this.buffers.get(p.name)!;
        const next = sgdMomentumStep(p.variable, g, buf, { lr, momentum, weightDecay }); // shape of θ each
        buf.assign(next.buf);
        p.variable.assign(next.param);
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
  }
}
