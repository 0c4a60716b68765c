/**
 * MaxPoolGrad on wasm against the cpu backend, through `tf.grad` of `tf.maxPool`.
 * Tolerance: TOL. The stock kernel lost the gradient of every window whose values are ≤ 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { maxPoolGradConfig } from '../src/wasm/kernels/MaxPoolGrad.ts';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

type Pad = 'same' | 'valid' | number;

function poolGrad(shape: [number, number, number, number], filter: [number, number], stride: number, pad: Pad, seed: number) {
  return () => {
    const x = tf.tensor4d(values(shape.reduce((a, b) => a * b), seed), shape); // [N, H, W, C], values in [−1, 1)
    return [tf.grad((xx: tf.Tensor) => weightedSum(tf.maxPool(xx as tf.Tensor4D, filter, stride, pad)))(x)]; // [dx]
  };
}

test('max pool gradients match cpu over strides 1–3, same/valid/numeric padding, odd and even sizes', async () => {
  assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), maxPoolGradConfig);
  let cases = 0;
  for (const stride of [1, 2, 3]) {
    for (const [h, w] of [[7, 8], [9, 9]]) {
      for (const pad of ['same', 'valid', 1] as Pad[]) {
        for (const filter of [[2, 2], [3, 3], [3, 2]] as [number, number][]) {
          if (pad === 1 && (filter[0] < 3 || filter[1] < 3)) continue; // tfjs needs pad < filter size
          await assertSameOnBoth(`stride ${stride} ${h}×${w} pad ${pad} filter ${filter}`, poolGrad([2, h, w, 3], filter, stride, pad, cases));
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 42);
});

test('max pool gradients match cpu where whole windows are negative, zero or tied', async () => {
  await assertSameOnBoth('all-negative windows', () => {
    const x = tf.sub(tf.tensor4d(values(2 * 8 * 8 * 2, 51), [2, 8, 8, 2]), 2); // [2, 8, 8, 2], all < 0
    return [tf.grad((xx: tf.Tensor) => weightedSum(tf.maxPool(xx as tf.Tensor4D, 3, 2, 'same')))(x)];
  });
  await assertSameOnBoth('zero and tied windows', () => {
    const x = tf.round(tf.mul(tf.tensor4d(values(2 * 8 * 8 * 2, 52), [2, 8, 8, 2]), 2)); // [2, 8, 8, 2] in {−2..2}
    return [tf.grad((xx: tf.Tensor) => weightedSum(tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid')))(x)];
  });
});
