/**
 * Accuracy of wasm reductions against float64 references and the cpu backend, on the sizes
 * training reduces over (BatchNorm: N·H·W values per channel). tfjs's stock wasm Sum and Mean
 * keep a float32 running total; disco's add in doubles (`src/wasm/kernels/heap_reduce.ts`). Each test
 * also runs the stock kernel and asserts that it FAILS the same bound, so the bounds have teeth.
 *
 * Measured here (relative error): sum of 32,768 × 0.1 stock 2.6e-4, ours 0 (correctly rounded);
 * tf.moments of [32,32,32,8] stock 6.8e-6, ours 5.2e-8; BatchNorm gradients (moments +
 * batchNorm) on [16,32,32,8] against cpu stock 2.7e-6, ours 2.0e-7.
 */
import '@tensorflow/tfjs-backend-wasm'; // registers the stock kernels, kept below for comparison
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { runOn, setupWasm, values } from './wasm_compare.ts';

const STOCK = ['Sum', 'Mean'].map((name) => tf.getKernel(name, 'wasm')!);
await setupWasm();
const OURS = STOCK.map((k) => tf.getKernel(k.kernelName, 'wasm')!);

/** Runs `f` with tfjs's stock Sum and Mean registered on wasm, then puts disco's back. */
async function withStockKernels<T>(f: () => Promise<T>): Promise<T> {
  const swap = (configs: tf.KernelConfig[]) => {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
      k.setupFunc?.(tf.findBackend('wasm')!); // the stock kernels bind their C++ function here
    }
  };
  swap(STOCK);
  try {
    return await f();
  } finally {
    swap(OURS);
  }
}

/** max |got − want| / max |want| over all outputs (no floor: small gradients count fully). */
function relToMax(want: ArrayLike<number>[], got: ArrayLike<number>[]): number {
  let worst = 0;
  want.forEach((w, i) => {
    let diff = 0;
    let mag = 0;
    for (let j = 0; j < w.length; j++) {
      diff = Math.max(diff, Math.abs(got[i][j] - w[j]));
      mag = Math.max(mag, Math.abs(w[j]));
    }
    worst = Math.max(worst, diff / mag);
  });
  return worst;
}

/** Uniform values in [lo, hi) from the shared LCG. */
function uniform(size: number, seed: number, lo: number, hi: number): Float32Array {
  return values(size, seed).map((v) => lo + ((v + 1) / 2) * (hi - lo));
}

test('sum and mean of 32,768 values of ~0.1 are correctly rounded (stock: relative error > 1e-5)', async () => {
  const inputs = { constant: new Float32Array(32_768).fill(0.1), jittered: uniform(32_768, 1, 0.05, 0.15) };
  for (const [label, v] of Object.entries(inputs)) {
    const exact = v.reduce((a, b) => a + b, 0); // float64
    const f = () => {
      const x = tf.tensor1d(v); // [R]
      return [tf.sum(x), tf.mean(x), tf.moments(x).mean];
    };
    const [s, m, mm] = await runOn('wasm', f);
    assert.equal(s[0], Math.fround(exact), `${label}: sum`);
    assert.equal(m[0], Math.fround(exact / v.length), `${label}: mean`);
    assert.equal(mm[0], Math.fround(exact / v.length), `${label}: moments' mean`);
    if (label === 'constant') {
      const [stock] = await withStockKernels(() => runOn('wasm', f));
      const err = Math.abs(stock[0] - exact) / exact;
      assert.ok(err > 1e-5, `the stock Sum was expected to be off by > 1e-5 here, got ${err.toExponential(2)}`);
    }
  }
});

test('tf.moments over BatchNorm axes of [32,32,32,8] is within 3e-7 of float64 (stock: > 1e-6)', async (t) => {
  const [n, h, w, c] = [32, 32, 32, 8];
  const v = uniform(n * h * w * c, 2, 0, 2); // post-ReLU-like activations
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < v.length; i++) mean[i % c] += v[i];
  mean.forEach((s, k) => (mean[k] = s / (n * h * w)));
  for (let i = 0; i < v.length; i++) variance[i % c] += (v[i] - mean[i % c]) ** 2;
  variance.forEach((s, k) => (variance[k] = s / (n * h * w)));
  const f = () => {
    const m = tf.moments(tf.tensor4d(v, [n, h, w, c]), [0, 1, 2]); // [C], [C]
    return [m.mean, m.variance];
  };
  const ours = relToMax([mean, variance], await runOn('wasm', f));
  const stock = relToMax([mean, variance], await withStockKernels(() => runOn('wasm', f)));
  t.diagnostic(`moments: ours ${ours.toExponential(2)}, stock ${stock.toExponential(2)}`);
  assert.ok(ours <= 3e-7, `moments off by ${ours.toExponential(2)}`);
  assert.ok(stock > 1e-6, `the stock kernels were expected to be off by > 1e-6, got ${stock.toExponential(2)}`);
});

test('BatchNorm gradients (tf.moments + tf.batchNorm) on [16,32,32,8] match cpu within 1e-6 (stock: > 1e-6)', async (t) => {
  const shape: [number, number, number, number] = [16, 32, 32, 8];
  const size = shape.reduce((a, b) => a * b);
  const f = () => {
    const x = tf.tensor4d(uniform(size, 3, -1, 3), shape); // [N, H, W, C]
    const gamma = tf.tensor1d(uniform(8, 4, 0.5, 1.5)); // [C]
    const beta = tf.tensor1d(uniform(8, 5, -0.2, 0.2)); // [C]
    const probe = tf.tensor4d(values(size, 6), shape); // [N, H, W, C]
    const loss = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]); // [C], [C]
      return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5), probe));
    };
    return tf.grads(loss)([x, gamma, beta]); // [dx, dγ, dβ]
  };
  const want = await runOn('cpu', f);
  const ours = relToMax(want, await runOn('wasm', f));
  const stock = relToMax(want, await withStockKernels(() => runOn('wasm', f)));
  t.diagnostic(`BatchNorm gradients: ours ${ours.toExponential(2)}, stock ${stock.toExponential(2)}`);
  assert.ok(ours <= 1e-6, `BatchNorm gradients off by ${ours.toExponential(2)}`);
  assert.ok(stock > 1e-6, `the stock kernels were expected to be off by > 1e-6, got ${stock.toExponential(2)}`);
});
