/**
 * disco's wasm BatchMatMul / _FusedMatMul: the stale operator-cache regression, and every
 * transpose / batch / bias / activation combination against the cpu backend. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from '../src/wasm/kernels/BatchMatMul.ts';
import { fusedMatMulConfig } from '../src/wasm/kernels/_FusedMatMul.ts';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

/** a [M, K] · b [K, N] in plain JavaScript. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

test('regression: matMuls over differently reshaped views of one buffer use each view’s shape', () => {
  // Stock wasm caches the packed B under the buffer's id: the second product reused the [6, 4]
  // operator for the [4, 6] view and returned wrong values (max error ≈ 2); the reverse order
  // wrote past the output and aborted the wasm instance.
  assert.equal(tf.getKernel('BatchMatMul', 'wasm'), batchMatMulConfig);
  const buf = values(24, 11);
  const b = tf.tensor1d(buf); // [24]
  const a1 = tf.tensor2d(values(2 * 6, 12), [2, 6]); // [2, 6]
  const a2 = tf.tensor2d(values(3 * 4, 13), [3, 4]); // [3, 4]
  const cases: Array<[tf.Tensor2D, [number, number]]> = [
    [a1, [6, 4]],
    [a2, [4, 6]],
    [a1, [6, 4]],
    [a2, [4, 6]],
  ];
  for (const [a, [k, n]] of cases) {
    const y = tf.matMul(a, tf.reshape(b, [k, n])); // [M, N]
    const want = reference(a.dataSync() as Float32Array, buf, a.shape[0], k, n);
    assert.ok(maxAbsDiff(y.dataSync(), want) < 1e-5, `view [${k}, ${n}]: ${maxAbsDiff(y.dataSync(), want)}`);
    y.dispose();
  }
  // The fused kernel shares the C++ cache (bias 0, linear): a third view after the first two.
  assert.equal(tf.getKernel('_FusedMatMul', 'wasm'), fusedMatMulConfig);
  const a3 = tf.tensor2d(values(2 * 8, 14), [2, 8]); // [2, 8]
  const y3 = tf.fused.matMul({ a: a3, b: tf.reshape(b, [8, 3]) }); // [2, 3]
  assert.ok(maxAbsDiff(y3.dataSync(), reference(a3.dataSync() as Float32Array, buf, 2, 8, 3)) < 1e-5);
  tf.dispose([b, a1, a2, a3, y3]);
});

test('matMul matches cpu for every transpose combination, 2-D and batched, with broadcasting', async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    for (const [aBatch, bBatch] of [[[], []], [[3], [3]], [[2, 3], [1]], [[1], [4]]]) {
      await assertSameOnBoth(`tA ${ta} tB ${tb} batch ${aBatch}/${bBatch}`, () => {
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
        await assertSameOnBoth(`${activation} batch ${batch} tA ${transposeA} bias ${withBias}`, () => {
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

test('dense-layer gradients (transposed products) match cpu', async () => {
  await assertSameOnBoth('dense grads', () => {
    const x = tf.tensor2d(values(16 * 32, 20), [16, 32]); // [N, in]
    const w = tf.tensor2d(values(32 * 8, 21), [32, 8]); // [in, out]
    const bias = tf.tensor1d(values(8, 22)); // [out]
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      weightedSum(tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: 'relu' }));
    return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w, bias]); // [dx, dW, db]
  });
});
