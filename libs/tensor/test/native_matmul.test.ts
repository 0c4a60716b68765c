/**
 * BatchMatMul and _FusedMatMul on the native backend against cpu: every transpose combination,
 * 2-D and batched with broadcasting, every fused activation with and without bias, and the
 * gradients of a dense layer. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameOnNative, isNativeKernel, nativeSuite, values, weightedSum } from './native_compare.ts';

await nativeSuite('matmul', () => {
  test('BatchMatMul and _FusedMatMul are native kernels', () => {
    assert.ok(isNativeKernel('BatchMatMul'));
    assert.ok(isNativeKernel('_FusedMatMul'));
  });

  test('matMul matches cpu for every transpose combination, 2-D and batched, with broadcasting', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const [aBatch, bBatch] of [[[], []], [[3], [3]], [[2, 3], [1]], [[1], [4]], [[3], []]]) {
        await assertSameOnNative(`tA ${ta} tB ${tb} batch ${aBatch}/${bBatch}`, () => {
          const a = tf.tensor(values(5 * 7 * aBatch.reduce((x, y) => x * y, 1), 15), [...aBatch, ...(ta ? [7, 5] : [5, 7])]); // [..., M, K]
          const b = tf.tensor(values(7 * 6 * bBatch.reduce((x, y) => x * y, 1), 16), [...bBatch, ...(tb ? [6, 7] : [7, 6])]); // [..., K, N]
          return [tf.matMul(a, b, ta, tb)]; // [..., 5, 6]
        });
      }
    }
  });

  test('fused matMul matches cpu for every activation, with and without bias, transposed and batched', async () => {
    for (const activation of ['linear', 'relu', 'relu6', 'prelu', 'leakyrelu', 'sigmoid', 'elu'] as const) {
      for (const [batch, transposeA] of [[1, false], [1, true], [2, false], [2, true]] as const) {
        for (const withBias of [false, true]) {
          await assertSameOnNative(`${activation} batch ${batch} tA ${transposeA} bias ${withBias}`, () => {
            const a = tf.tensor3d(values(batch * 12, 17), transposeA ? [batch, 4, 3] : [batch, 3, 4]); // [B, M, K]
            const b = tf.tensor3d(values(batch * 20, 18), [batch, 4, 5]); // [B, K, N]
            const bias = withBias ? tf.tensor1d(values(5, 19)) : undefined; // [N]
            const preluActivationWeights = activation === 'prelu' ? tf.tensor1d([0.1, 0.2, 0.3, 0.4, 0.5]) : undefined; // [N]
            return [tf.fused.matMul({ a, b, bias, activation, transposeA, preluActivationWeights, leakyreluAlpha: 0.3 })]; // [B, 3, 5]
          });
        }
      }
    }
  });

  test('dense-layer gradients (transposed products) and a projection-head-sized product match cpu', async () => {
    await assertSameOnNative('dense grads', () => {
      const x = tf.tensor2d(values(16 * 32, 20), [16, 32]); // [N, in]
      const w = tf.tensor2d(values(32 * 8, 21), [32, 8]); // [in, out]
      const bias = tf.tensor1d(values(8, 22)); // [out]
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        weightedSum(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: 'relu' }));
      return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w, bias]); // [dx, dW, db]
    });
    await assertSameOnNative('[64, 512] × [512, 256]', () => {
      const a = tf.tensor2d(values(64 * 512, 23), [64, 512]); // [64, 512]
      const b = tf.tensor2d(values(512 * 256, 24), [512, 256]); // [512, 256]
      return [tf.matMul(a, b)]; // [64, 256]
    });
  });

  test('int32 products fall back to the cpu kernel', async () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'); // [2, 2]
    const y = tf.matMul(a, a); // [2, 2]
    assert.deepEqual(Array.from(y.dataSync()), [7, 10, 15, 22]);
    tf.dispose([a, y]);
  });
});
