/**
 * One momentum-SGD update of one parameter, in `torch.optim.SGD`'s semantics (dampening 0, no
 * Nesterov):  d = g + wd·θ;  buf' = momentum·buf + d;  θ' = θ − lr·buf'.
 *
 * On the 'native' backend it is one pass over θ, g and buf (one kernel instead of five, each of
 * which reads and writes the whole tensor); everywhere else exactly those five tfjs ops, so
 * optimisers can call it unconditionally. Returns new tensors; the caller assigns them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DISCO_SGD_MOMENTUM, type DiscoSgdMomentumAttrs } from './kernels/DiscoSgdMomentum.ts';
import { NATIVE_BACKEND_NAME } from './native_backend.ts';

export interface SgdMomentumResult {
  /** θ' = θ − lr·buf': [same as param]. */
  param: Tensor;
  /** buf' = momentum·buf + g + wd·θ: [same as param]. */
  buf: Tensor;
}

/** `param`, `grad` and `buf` of one shape. */
export function sgdMomentumStep(param: Tensor, grad: Tensor, buf: Tensor, hyper: DiscoSgdMomentumAttrs): SgdMomentumResult {
  const sameShape = (t: Tensor) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, param.shape);
  if (!sameShape(grad) || !sameShape(buf)) {
    throw new RangeError(`sgdMomentumStep: param ${param.dtype} [${param.shape}], grad ${grad.dtype} [${grad.shape}] and buf ${buf.dtype} [${buf.shape}] must all be float32 of one shape`);
  }
  if (tf.getBackend() === NATIVE_BACKEND_NAME && param.dtype === 'float32' && param.size > 0) {
    const attrs = { ...hyper } as unknown as tf.NamedAttrMap;
    const [p, b] = tf.engine().runKernel(DISCO_SGD_MOMENTUM, { param, grad, buf }, attrs) as Tensor[]; // [same as param] ×2
    return { param: p, buf: b };
  }
  return tf.tidy(() => {
    const { lr, momentum, weightDecay } = hyper;
    const d = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad; // [same as param]
    const b = tf.add(tf.mul(buf, momentum), d); // [same as param]
    return { param: tf.sub(param, tf.mul(b, lr)), buf: b };
  });
}
