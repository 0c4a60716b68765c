/**
 * Every op a CNN training step uses (BatchNorm, ReLU/ReLU6, hard-swish, SE blocks, pooling,
 * global mean, gather, matMul, softmax cross-entropy, L2-normalise, …) differentiates on wasm
 * without a missing kernel, and its gradients match the cpu backend's. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { WASM_TRAINING_KERNELS } from '../src/wasm/register.ts';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

const x4 = () => tf.tensor4d(values(2 * 6 * 7 * 4, 31), [2, 6, 7, 4]); // [N, H, W, C]
const x2 = () => tf.tensor2d(values(6 * 10, 32), [6, 10]); // [N, D]

function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6); // same shape as x
}

function l2Normalise(x: tf.Tensor2D): tf.Tensor2D {
  const norm = tf.sqrt(tf.sum(tf.square(x), 1, true)); // [N, 1]
  return tf.div(x, tf.maximum(norm, 1e-12)); // [N, D]
}

/** name → (inputs, loss of the inputs); gradients are taken w.r.t. every input. */
const CASES: Record<string, [() => tf.Tensor[], (...a: tf.Tensor[]) => tf.Scalar]> = {
  'batch norm via tf.moments': [
    () => [x4(), tf.tensor1d(values(4, 33)), tf.tensor1d(values(4, 34))],
    (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C], [C]
      const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))); // [N, H, W, C]
      return weightedSum(tf.add(tf.mul(xhat, gamma), beta));
    },
  ],
  // (tfjs-core's tape fails on a missing offset on every backend: pass one.)
  'tf.batchNorm with batch statistics': [
    () => [x4(), tf.tensor1d(values(4, 35)), tf.tensor1d(values(4, 36))],
    (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C], [C]
      return weightedSum(tf.batchNorm(x as tf.Tensor4D, mean, variance, beta, gamma, 1e-3));
    },
  ],
  relu: [() => [x4()], (x) => weightedSum(tf.relu(x))],
  relu6: [() => [tf.mul(x4(), 8)], (x) => weightedSum(tf.relu6(x))],
  'hard-swish': [() => [tf.mul(x4(), 4)], (x) => weightedSum(tf.mul(x, hardSigmoid(x)))],
  'sigmoid and hard-sigmoid SE block': [
    () => [x4(), tf.tensor2d(values(4 * 2, 36), [4, 2]), tf.tensor2d(values(2 * 4, 37), [2, 4])],
    (x, w1, w2) => {
      const s = tf.mean(x, [1, 2]); // [N, C]
      const z = tf.relu(tf.matMul(s as tf.Tensor2D, w1 as tf.Tensor2D)); // [N, C/2]
      const g = tf.sigmoid(tf.matMul(z, w2 as tf.Tensor2D)); // [N, C]
      const h = hardSigmoid(tf.matMul(z, w2 as tf.Tensor2D)); // [N, C]
      return weightedSum(tf.add(tf.mul(x, tf.reshape(g, [2, 1, 1, 4])), tf.mul(x, tf.reshape(h, [2, 1, 1, 4]))));
    },
  ],
  'avg pool 3×3 stride 2 same': [() => [x4()], (x) => weightedSum(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'))],
  'avg pool 2×2 valid': [() => [x4()], (x) => weightedSum(tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'))],
  'max pool 3×3 stride 2 same': [() => [x4()], (x) => weightedSum(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'))],
  'max pool 2×2 valid': [() => [x4()], (x) => weightedSum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'))],
  'max pool 3×3 stride 1 same, windows of ties and all-negative values': [
    () => [tf.minimum(x4(), 0.25)],
    (x) => weightedSum(tf.maxPool(x as tf.Tensor4D, 3, 1, 'same')),
  ],
  'max pool after ReLU (the ResNet stem)': [
    () => [x4()],
    (x) => weightedSum(tf.maxPool(tf.relu(x) as tf.Tensor4D, 3, 2, 'same')),
  ],
  'global mean': [() => [x4()], (x) => weightedSum(tf.mean(x, [1, 2]))],
  gather: [() => [x2()], (x) => weightedSum(tf.gather(x, tf.tensor1d([5, 0, 0, 3], 'int32')))],
  matMul: [
    () => [x2(), tf.tensor2d(values(10 * 3, 38), [10, 3])],
    (a, b) => weightedSum(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)),
  ],
  'softmax cross-entropy': [
    () => [tf.mul(x2(), 3)],
    (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 9, 3, 3, 1, 7], 'int32'), 10), logits) as tf.Scalar,
  ],
  'InfoNCE (L2-normalise, logits / T, log-softmax)': [
    () => [x2(), tf.tensor2d(values(6 * 10, 39), [6, 10])],
    (q, k) => {
      const logits = tf.div(tf.matMul(l2Normalise(q as tf.Tensor2D), l2Normalise(k as tf.Tensor2D), false, true), 0.2); // [N, N]
      const logp = tf.logSoftmax(logits); // [N, N]
      return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(tf.range(0, 6, 1, 'int32'), 6)), 1)));
    },
  ],
  'MSE between normalised embeddings': [
    () => [x2(), tf.tensor2d(values(6 * 10, 40), [6, 10])],
    (q, t) => tf.sum(tf.squaredDifference(l2Normalise(q as tf.Tensor2D), l2Normalise(t as tf.Tensor2D))),
  ],
  'concat, slice, pad, transpose': [
    () => [x4()],
    (x) => {
      const c = tf.concat([x, tf.slice(x, [0, 0, 0, 1], [2, 6, 7, 2])], 3); // [N, H, W, 6]
      return weightedSum(tf.transpose(tf.pad(c, [[0, 0], [1, 1], [0, 2], [0, 0]]), [0, 3, 1, 2]));
    },
  ],
  'separable conv (depthwise M=2 + pointwise) stride 2': [
    () => [x4(), tf.tensor4d(values(3 * 3 * 4 * 2, 41), [3, 3, 4, 2]), tf.tensor4d(values(8 * 5, 42), [1, 1, 8, 5])],
    (x, dw, pw) => weightedSum(tf.separableConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, 2, 'same')),
  ],
  'fused conv2d + bias + relu': [
    () => [x4(), tf.tensor4d(values(3 * 3 * 4 * 6, 43), [3, 3, 4, 6]), tf.tensor1d(values(6, 44))],
    (x, w, b) => weightedSum(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' })),
  ],
};

test('every disco kernel is the one registered on wasm', () => {
  for (const k of WASM_TRAINING_KERNELS) assert.equal(tf.getKernel(k.kernelName, 'wasm'), k, k.kernelName);
});

for (const [name, [inputs, loss]] of Object.entries(CASES)) {
  test(`${name}: gradients on wasm match cpu`, async () => {
    await assertSameOnBoth(name, () => tf.grads(loss as (...a: tf.Tensor[]) => tf.Tensor)(inputs()));
  });
}
