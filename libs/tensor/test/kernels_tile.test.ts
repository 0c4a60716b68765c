/**
 * disco's wasm Tile (heap copies) against the cpu backend: every rank 0–6, reps with 1s and 0s,
 * float32, int32 and bool, the copyWithin paths (long rows, many reps), BatchNorm's gradient
 * pattern, and gradients through tile. A tile only copies, so results must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { tileConfig, planTile } from '../src/wasm/kernels/Tile.ts';
import { assertSameOnBoth, runOn, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

/** Asserts wasm gives exactly the cpu backend's values for every output of `f`. */
async function assertIdentical(label: string, f: () => tf.Tensor[]): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  assert.equal(got.length, want.length);
  want.forEach((w, i) => assert.deepEqual(got[i], w, `${label}: output ${i} differs from cpu`));
}

/** Deterministic (shape, reps) cases: every rank 0–6, extents 1–4, reps 0–3 (0 rarely). */
function cases(count: number, seed: number): [number[], number[]][] {
  let s = seed;
  const next = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const rank = i % 7;
    const shape = Array.from({ length: rank }, () => 1 + next(4));
    const reps = Array.from({ length: rank }, () => (next(20) === 0 ? 0 : 1 + next(3)));
    return [shape, reps];
  });
}

function makeX(shape: number[], dtype: 'float32' | 'int32' | 'bool', seed: number): tf.Tensor {
  const v = values(shape.reduce((a, b) => a * b, 1), seed);
  if (dtype === 'float32') return tf.tensor(v, shape, 'float32');
  if (dtype === 'int32') return tf.tensor(Int32Array.from(v, (a) => Math.round(a * 1000)), shape, 'int32');
  return tf.tensor(Uint8Array.from(v, (a) => (a > 0 ? 1 : 0)), shape, 'bool');
}

test('the stock Tile is replaced', () => {
  assert.equal(tf.getKernel('Tile', 'wasm'), tileConfig);
});

test('axis merging: BatchNorm pattern is one axis, r = 1 folds back, x = 1 folds forward', () => {
  assert.deepEqual(planTile([1, 1, 1, 16], [64, 32, 32, 1]), [{ r: 65536, x: 16 }]);
  assert.deepEqual(planTile([64, 32, 32, 16], [1, 1, 1, 2]), [{ r: 1, x: 65536 }, { r: 2, x: 16 }]);
  assert.deepEqual(planTile([3, 1, 5], [2, 4, 1]), [{ r: 2, x: 3 }, { r: 4, x: 5 }]);
  assert.deepEqual(planTile([1, 1], [1, 1]), []);
  assert.deepEqual(planTile([], []), []);
  assert.throws(() => planTile([2, 3], [2]), /reps \[2\] must have one entry per axis of x \[2,3\]/);
});

for (const dtype of ['float32', 'int32', 'bool'] as const) {
  test(`${dtype}: 210 random shapes and reps of rank 0–6 match cpu exactly`, async () => {
    const all = cases(210, dtype.length);
    await assertIdentical(dtype, () =>
      all.map(([shape, reps], i) => {
        const y = tf.tile(makeX(shape, dtype, i), reps); // [..., x_d·r_d, ...]
        assert.deepEqual(y.shape, shape.map((d, k) => d * reps[k]));
        assert.equal(y.dtype, dtype);
        return y;
      }),
    );
  });
}

test('long rows and many reps (copyWithin and set paths), BatchNorm shapes, int32 and bool', async () => {
  const shapes: [number[], number[]][] = [
    [[1, 1, 1, 16], [8, 16, 16, 1]], // BatchNorm's gradient: one row, doubled
    [[1, 1, 1, 3], [5, 7, 3, 1]], // short row, long total
    [[4, 9, 9, 40], [1, 1, 1, 2]], // long rows tiled twice
    [[6, 1, 1, 1], [1, 5, 7, 33]], // one element per source, long repeat
    [[2, 3, 50], [3, 1, 2]],
    [[1, 2, 1, 3, 1, 2], [2, 1, 3, 1, 2, 1]], // rank 6
    [[2, 1, 2, 1, 2, 1], [1, 3, 1, 3, 1, 3]],
  ];
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    await assertIdentical(`${dtype} long`, () => shapes.map(([shape, reps], i) => tf.tile(makeX(shape, dtype, 100 + i), reps)));
  }
});

test('a tile that grows the wasm heap (views are taken after the allocation)', async () => {
  await assertIdentical('large', () => {
    const x = makeX([1, 1, 1, 64], 'float32', 7); // [1, 1, 1, 64]
    return [tf.tile(x, [64, 32, 32, 1])]; // [64, 32, 32, 64]: 16 MiB
  });
});

test('gradients through tile match cpu (tile and broadcastTo, BatchNorm-like)', async () => {
  const xs: [number[], number[]][] = [[[1, 1, 1, 4], [3, 5, 5, 1]], [[2, 3, 1], [2, 1, 4]], [[2, 1, 3, 2], [1, 2, 1, 3]]]; // tfjs's Tile gradient stops at rank 4
  for (const [shape, reps] of xs) {
    await assertSameOnBoth(`grad [${shape}] × [${reps}]`, () => {
      const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1), 3), shape); // [...shape]
      return [tf.grad((v: tf.Tensor) => weightedSum(tf.tile(v, reps)))(x)]; // [...shape]
    });
  }
  await assertSameOnBoth('broadcastTo grad', () => {
    const x = tf.tensor(values(3, 4), [1, 3]); // [1, 3]
    const f = (v: tf.Tensor): tf.Scalar => weightedSum(tf.broadcastTo(v, [2, 4, 3])); // scalar
    return [tf.broadcastTo(x, [2, 4, 3]), tf.grad(f)(x)]; // [2, 4, 3], [1, 3]
  });
  await assertSameOnBoth('moments grad', () => {
    const x = tf.tensor(values(2 * 4 * 4 * 3, 5), [2, 4, 4, 3]); // [N, H, W, C]
    const scale = tf.tensor(values(3, 6), [3]); // [C]
    const offset = tf.tensor(values(3, 7), [3]); // [C]
    const f = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const { mean, variance } = tf.moments(v, [0, 1, 2]); // [C]
      return weightedSum(tf.batchNorm(v as tf.Tensor4D, mean, variance, b, g, 1e-5)); // scalar
    };
    return tf.grads(f)([x, scale, offset]); // [N, H, W, C], [C], [C]
  });
});

test('no tensors leak on wasm', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const x = makeX([2, 3], 'int32', 9); // [2, 3]
  const before = tf.memory().numTensors;
  tf.tile(x, [3, 2]).dispose();
  tf.tile(x, [0, 2]).dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
