/**
 * disco's wasm Sum and Mean (float64 accumulation on the heap) against the cpu backend, over
 * every way tfjs calls them: each subset of axes, negative axes, keepDims, reduced extents that
 * are not a multiple of the 4-wide unrolled loop, size-1 and empty dimensions, reduced axes split
 * by kept ones (the transposed path), int32 and bool inputs.
 *
 * Both backends add in doubles, in the same order except for the 4-wide loop, so results agree
 * to the last float32 bit or one ulp: tolerance 2⁻²² of the largest |value| (floored at 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { meanConfig } from '../src/wasm/kernels/Mean.ts';
import { sumConfig } from '../src/wasm/kernels/Sum.ts';
import { planReduce } from '../src/wasm/kernels/heap_reduce.ts';
import { relError, runOn, setupWasm, values } from './wasm_compare.ts';

await setupWasm();

const ULP_TOL = 2 ** -22;

async function assertBitClose(label: string, f: () => tf.Tensor[]): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  const err = relError(want, got);
  assert.ok(err <= ULP_TOL, `${label}: wasm differs from cpu by ${err.toExponential(2)} (tolerance ${ULP_TOL.toExponential(2)})`);
}

/** Every subset of [0, rank), as arrays of axes. */
function subsets(rank: number): number[][] {
  return Array.from({ length: 2 ** rank }, (_, m) => [...Array(rank).keys()].filter((i) => m & (1 << i)));
}

test('the stock Sum and Mean are replaced', () => {
  assert.equal(tf.getKernel('Sum', 'wasm'), sumConfig);
  assert.equal(tf.getKernel('Mean', 'wasm'), meanConfig);
});

test('layout plans: one reduced block is read in place, split blocks are transposed first', () => {
  assert.deepEqual(pick(planReduce([8, 16, 16, 4], [0, 1, 2])), { p: 1, r: 2048, q: 4, perm: undefined }); // BatchNorm
  assert.deepEqual(pick(planReduce([8, 4, 4, 32], [1, 2])), { p: 8, r: 16, q: 32, perm: undefined }); // global pool
  assert.deepEqual(pick(planReduce([6, 10], [1])), { p: 6, r: 10, q: 1, perm: undefined });
  assert.deepEqual(pick(planReduce([1, 5, 1, 3], [0, 1, 2])), { p: 1, r: 5, q: 3, perm: undefined }); // size-1 dims ignored
  assert.deepEqual(pick(planReduce([3, 5, 7, 2], [0, 2])), { p: 10, r: 21, q: 1, perm: [1, 3, 0, 2] });
  assert.deepEqual(pick(planReduce([3, 5], undefined)), { p: 1, r: 15, q: 1, perm: undefined });
});

function pick(plan: ReturnType<typeof planReduce>): { p: number; r: number; q: number; perm?: number[] } {
  return { p: plan.p, r: plan.r, q: plan.q, perm: plan.perm };
}

test('sum and mean match cpu for every subset of axes of a rank-4 tensor, with and without keepDims', async () => {
  const shape = [3, 5, 7, 6]; // extents 3, 5, 7: not multiples of 4
  let cases = 0;
  for (const axes of subsets(4)) {
    for (const keepDims of [false, true]) {
      await assertBitClose(`axes [${axes}] keepDims ${keepDims}`, () => {
        const x = tf.tensor(values(3 * 5 * 7 * 6, 1), shape); // [3, 5, 7, 6]
        const s = tf.sum(x, axes, keepDims);
        const m = tf.mean(x, axes, keepDims);
        const want = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
        assert.deepEqual(s.shape, axes.length === 0 ? shape : want);
        assert.deepEqual(m.shape, s.shape);
        return [s, m];
      });
      cases++;
    }
  }
  assert.equal(cases, 32);
});

test('negative axes, axis omitted, size-1 and odd extents, long rows (unrolled loop tails)', async () => {
  await assertBitClose('negative axes', () => {
    const x = tf.tensor(values(4 * 9 * 2, 2), [4, 9, 2]); // [4, 9, 2]
    return [tf.sum(x, -1), tf.mean(x, [-3, -2], true), tf.sum(x)];
  });
  await assertBitClose('size-1 dims', () => {
    const x = tf.tensor(values(1 * 7 * 1 * 3, 3), [1, 7, 1, 3]); // [1, 7, 1, 3]
    return [tf.sum(x, [0, 1]), tf.sum(x, [2]), tf.mean(x, [1, 2, 3], true), tf.sum(x, 0)];
  });
  for (const r of [1, 2, 3, 4, 5, 1023, 1025, 32_771]) {
    await assertBitClose(`rows of ${r}`, () => {
      const x = tf.tensor2d(values(3 * r, r), [3, r]); // [3, R]
      return [tf.sum(x, 1), tf.mean(x, 1), tf.sum(x, 0)];
    });
  }
});

test('int32 sums stay int32 and exact past 2^24; bool sums to int32; the mean of int32 is float32', async () => {
  const big = [2 ** 24 + 1, 2 ** 24 + 3, -5, 7, 2 ** 30, -(2 ** 29)];
  for (const backend of ['cpu', 'wasm'] as const) {
    assert.ok(await tf.setBackend(backend));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.tensor2d(big, [2, 3], 'int32'); // [2, 3]
      const s = tf.sum(x, 1); // [2]
      assert.equal(s.dtype, 'int32');
      assert.deepEqual(Array.from(s.dataSync()), [2 ** 25 - 1, 2 ** 30 - 2 ** 29 + 7], backend);
      const m = tf.mean(x, 0); // [3]
      assert.equal(m.dtype, 'float32');
      assert.deepEqual(Array.from(m.dataSync()), [Math.fround((2 ** 24 + 1 + 7) / 2), Math.fround((2 ** 24 + 3 + 2 ** 30) / 2), Math.fround((-5 - (2 ** 29)) / 2)], backend);
      const b = tf.tensor2d([true, false, true, true, true, false], [2, 3], 'bool'); // [2, 3]
      const viaOp = tf.sum(b, 1); // [2] (tfjs casts bool to int32 first)
      const direct = tf.engine().runKernel('Sum', { x: b }, { axis: [1], keepDims: true }) as tf.Tensor; // [2, 1]
      assert.equal(viaOp.dtype, 'int32');
      assert.equal(direct.dtype, 'int32', `${backend}: the Sum kernel itself turns bool into int32`);
      assert.deepEqual(Array.from(viaOp.dataSync()), [2, 2]);
      assert.deepEqual(Array.from(direct.dataSync()), [2, 2]);
    });
    assert.equal(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
  }
});

test('empty reductions give 0 (as on cpu) and empty results stay empty', async () => {
  await assertBitClose('empty', () => {
    const x = tf.zeros([0, 3]); // [0, 3]
    const s0 = tf.sum(x, 0); // [3]
    const m0 = tf.mean(x, 0); // [3]
    const s1 = tf.sum(x, 1); // [0]
    assert.deepEqual(s0.shape, [3]);
    assert.deepEqual(s1.shape, [0]);
    return [s0, m0, s1];
  });
});

test('reductions inside gradients (broadcast bias, global pooling) match cpu', async () => {
  await assertBitClose('broadcast gradients', () => {
    const x = tf.tensor4d(values(3 * 5 * 6 * 4, 4), [3, 5, 6, 4]); // [N, H, W, C]
    const b = tf.tensor1d(values(4, 5)); // [C]
    const w = tf.tensor4d(values(3 * 5 * 6 * 4, 6), [3, 5, 6, 4]); // [N, H, W, C]
    const f = (xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.mul(tf.add(xx, bb), w), tf.mean(xx, [1, 2], true)));
    return tf.grads(f)([x, b]); // [dx, db]
  });
});

test('Sum and Mean leave no tensors and no heap buffers behind (transposed path included)', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const x = tf.tensor(values(3 * 5 * 7 * 6, 7), [3, 5, 7, 6]); // [3, 5, 7, 6]
  const before = tf.memory();
  for (const axes of [[0, 2], [1, 2], [3], [0, 1, 2, 3]]) tf.dispose([tf.sum(x, axes), tf.mean(x, axes, true)]);
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  assert.equal(after.numBytes, before.numBytes);
  x.dispose();
});
