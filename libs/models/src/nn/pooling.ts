/** Pooling helpers shared by the backbones. */
import * as tf from '@tensorflow/tfjs-core';

/** PyTorch `AdaptiveAvgPool2d(1)` + `flatten(1)`: [N, H, W, C] → [N, C]. */
export function globalAvgPool(x: tf.Tensor): tf.Tensor {
  return tf.mean(x, [1, 2]); // [N, C]
}

/** PyTorch `AdaptiveAvgPool2d(1)` keeping the spatial axes: [N, H, W, C] → [N, 1, 1, C]. */
export function globalAvgPoolKeepDims(x: tf.Tensor): tf.Tensor {
  return tf.mean(x, [1, 2], true); // [N, 1, 1, C]
}
