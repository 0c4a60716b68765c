/**
 * The activations of the zoo, written as PyTorch computes them so that imported weights give
 * the same numbers: hard-swish x·relu6(x+3)/6, hard-sigmoid relu6(x+3)/6, SiLU x·σ(x).
 * Gradients come from tfjs's autodiff of these compositions (Relu6, Sigmoid, Mul, Add, RealDiv:
 * all registered on the cpu and wasm backends); they equal PyTorch's except at the kinks
 * (x = ±3 for the hard functions), a set of measure zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.ts';

export const ACTIVATION_NAMES = ['relu', 'hardswish', 'hardsigmoid', 'silu', 'sigmoid'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** PyTorch `F.hardsigmoid`: relu6(x + 3) / 6. */
export function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6)); // same shape as x
}

/** PyTorch `F.hardswish`: x · relu6(x + 3) / 6. */
export function hardSwish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6)); // same shape as x
}

/** PyTorch `F.silu` (swish): x · σ(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x))); // same shape as x
}

const APPLY: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  hardswish: hardSwish,
  hardsigmoid: hardSigmoid,
  silu,
  sigmoid: (x) => tf.sigmoid(x),
};

/** Applies the named activation; throws a RangeError naming an unknown one. */
export function activate(name: ActivationName, x: tf.Tensor): tf.Tensor {
  const fn = APPLY[name];
  if (!fn) throw new RangeError(`activation '${name}' is not one of ${ACTIVATION_NAMES.join(', ')}`);
  return fn(x);
}

/** An activation as a parameter-free module, so it takes its index in a `Sequential` as PyTorch's does. */
export class Activation extends Module {
  constructor(readonly kind: ActivationName) {
    super();
    if (!APPLY[kind]) throw new RangeError(`activation '${kind}' is not one of ${ACTIVATION_NAMES.join(', ')}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return activate(this.kind, x);
  }
}
