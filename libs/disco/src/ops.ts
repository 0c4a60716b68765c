/** Small tensor helpers shared by the losses. */
import * as tf from '@tensorflow/tfjs-core';

/** Row-wise L2 normalisation, PyTorch `F.normalize(x, dim=1)`: x / max(‖x‖, 1e-12). */
export function l2Normalize(x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), 1, true)); // [N, 1]
    return tf.div(x, tf.maximum(norm, 1e-12)) as tf.Tensor2D; // [N, D]
  });
}

/** Row-wise dot products of two [N, D] matrices (`einsum('nc,nc->n')`), kept as a column. */
export function rowDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(a, b), 1, true) as tf.Tensor2D); // [N, 1]
}
