/**
 * Training-mode BatchNorm over every axis but the last, as one op: the batch mean and (biased)
 * variance, and x normalised with them, scaled and shifted — PyTorch's `F.batch_norm(training=True)`
 * without the running statistics (the caller updates those from the returned mean and variance).
 *
 * On the 'native' backend it is one libtorch-side kernel each way (two passes over x), which is
 * what brings BatchNorm's cost down to PyTorch's; everywhere else it is exactly
 * `tf.moments` + `tf.batchNorm`, so models can call it unconditionally.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DISCO_BATCH_NORM_TRAIN } from './kernels/DiscoBatchNormTrain.ts';
import { NATIVE_BACKEND_NAME } from './native_backend.ts';

export interface BatchNormTrainResult {
  /** x normalised with the batch statistics, scaled and shifted: [same as x]. */
  y: Tensor;
  /** Batch mean per channel: [C]. */
  mean: Tensor;
  /** Biased batch variance per channel: [C]. */
  variance: Tensor;
}

/** `scale` and `offset` are [C] (C = x's last axis); epsilon as PyTorch's `eps`. */
export function batchNormTrain(x: Tensor, scale: Tensor, offset: Tensor, epsilon: number): BatchNormTrainResult {
  const c = x.shape[x.shape.length - 1];
  const perChannel = (t: Tensor) => t.dtype === 'float32' && t.rank === 1 && t.shape[0] === c;
  if (tf.getBackend() === NATIVE_BACKEND_NAME && x.dtype === 'float32' && x.rank >= 2 && x.size > 0 && perChannel(scale) && perChannel(offset)) {
    const [y, mean, variance] = tf.engine().runKernel(DISCO_BATCH_NORM_TRAIN, { x, scale, offset }, { epsilon }) as Tensor[]; // [same as x], [C], [C]
    return { y, mean, variance };
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes); // [C], [C]
    return { y: tf.batchNorm(x, mean, variance, offset, scale, epsilon), mean, variance }; // [same as x], [C], [C]
  });
}
