/**
 * The momentum (EMA) update of one parameter: m·key + (1 − m)·query — MoCo's key encoder
 * following its query encoder. On 'native' one pass over both tensors (one kernel instead of
 * three, each reading and writing the whole tensor), bit-equal to the composed ops; everywhere
 * else exactly those ops. Returns a new tensor; the caller assigns it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DISCO_EMA } from './kernels/DiscoEma.ts';
import { NATIVE_BACKEND_NAME } from './native_backend.ts';

export function emaUpdate(key: Tensor, query: Tensor, m: number): Tensor {
  if (key.dtype !== 'float32' || query.dtype !== 'float32' || !tf.util.arraysEqual(key.shape, query.shape)) {
    throw new RangeError(`emaUpdate: key ${key.dtype} [${key.shape}] and query ${query.dtype} [${query.shape}] must be float32 of one shape`);
  }
  if (tf.getBackend() === NATIVE_BACKEND_NAME && key.size > 0) {
    return tf.engine().runKernel(DISCO_EMA, { key, query }, { m }) as Tensor; // [same as key]
  }
  return tf.tidy(() => tf.add(tf.mul(key, m), tf.mul(query, 1 - m))); // [same as key]
}
