/**
 * The gradient of `DiscoQueueCrossEntropy` (a kernel of disco's own, so registered, not
 * replaced), from the saved probabilities: each input's gradient by its own
 * `DiscoQueueCrossEntropyGrad` call, made only when the tape asks for it (MoCo's step needs q's
 * alone; the [K, D] queue gradient would cost a GEMM as large as the logits'). `targets` gets
 * none: it is a distribution the caller computed without a tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { DISCO_QUEUE_CROSS_ENTROPY, DISCO_QUEUE_CROSS_ENTROPY_GRAD } from '../kernels/DiscoQueueCrossEntropy.ts';

export const discoQueueCrossEntropyGrad: GradConfig = {
  kernelName: DISCO_QUEUE_CROSS_ENTROPY,
  inputsToSave: ['q', 'pos', 'queue', 'targets'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy] = dys as Tensor[]; // [] (probs is a by-product: no gradient flows back through it)
    const [q, pos, queue, targets, probs] = saved;
    const inputs: NamedTensorMap = { dy, q, pos, queue, probs, targets };
    const one = (i: 0 | 1 | 2) => () => {
      const which = [0, 0, 0];
      which[i] = 1;
      const out = tf.engine().runKernel(DISCO_QUEUE_CROSS_ENTROPY_GRAD, inputs, { ...attrs, which }) as Tensor[];
      tf.dispose(out.filter((_, j) => j !== i));
      return out[i];
    };
    return { q: one(0), pos: one(1), queue: one(2), targets: () => tf.zerosLike(targets) };
  },
};
