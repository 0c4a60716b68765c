import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { knnClassify, makeFeatureSet, EvalInputError, type FeatureSet } from '@disco/eval';
import { hoeffdingHalfWidth, randomSet, separableSet } from './synthetic.ts';

await initBackend();

/** 2-D rows → FeatureSet. */
function set2d(rows: number[][], labels: number[]): FeatureSet {
  return makeFeatureSet(Float32Array.from(rows.flat()), labels, 2);
}

// Hand-computed case. Train: a=[1,0]→0, b=[0,1]→1, c=[0.6,0.8]→1, d=[-1,0]→2.
const TRAIN = set2d([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], [0, 1, 1, 2]);
// q1=[1,0] (label 0): sims a 1, c 0.6, b 0, d −1.  q2=[0,1] (label 1) and q3=[0,1] (label 2):
// sims b 1, c 0.8, a 0, d 0 — a and d tie for the 3rd place.
const TEST = set2d([[1, 0], [0, 1], [0, 1]], [0, 1, 2]);

test('kNN weights votes by exp(sim/T): T=0.1 and T=1 disagree on q1 as computed by hand', async () => {
  const before = tf.memory().numTensors;
  // k=3, T=0.1, q1: class 0 gets e^(1/0.1) = 22026.5; class 1 gets e^(0.6/0.1) + e^0 = 404.4 → 0.
  const sharp = await knnClassify(TRAIN, TEST, { k: 3, T: 0.1 });
  assert.equal(sharp.predictions[0], 0);
  // k=3, T=1, q1: class 0 gets e^1 = 2.718; class 1 gets e^0.6 + e^0 = 2.822 → 1.
  const soft = await knnClassify(TRAIN, TEST, { k: 3, T: 1 });
  assert.equal(soft.predictions[0], 1);
  // q2, q3: class 1 (b, c) beats class 0 (a, e^0) at any T.
  assert.deepEqual([...sharp.predictions], [0, 1, 1]);
  assert.equal(sharp.top1, 2 / 3);
  // q3's label 2 got no vote: a (index 0) took the tied 3rd place from d (index 3) → top-5 miss.
  assert.equal(sharp.top5, 2 / 3);
  assert.equal(soft.top1, 1 / 3);
  assert.equal(tf.memory().numTensors, before);
});

test('kNN with k=4: every class votes; equal class scores rank the lower class first', async () => {
  // q3: class 1 gets 1 + e^(−0.2/T); classes 0 and 2 tie at e^(−1/T): 0 ranks 1, 2 ranks 2 < 3 voted.
  const r = await knnClassify(TRAIN, TEST, { k: 4, T: 0.1 });
  assert.equal(r.top5, 1);
  assert.equal(r.k, 4);
  // Two neighbours with equal similarity and different labels: the lower class wins top-1.
  const tieTrain = set2d([[0.6, 0.8], [0.6, -0.8]], [1, 0]);
  const tieTest = set2d([[1, 0], [1, 0]], [1, 0]);
  const t = await knnClassify(tieTrain, tieTest, { k: 2 });
  assert.deepEqual([...t.predictions], [0, 0]);
  assert.equal(t.top1, 0.5);
  assert.equal(t.top5, 1);
  // k = 1 with exactly tied neighbours: the lower train index is the neighbour.
  const one = await knnClassify(set2d([[0.6, 0.8], [0.6, -0.8]], [3, 1]), set2d([[1, 0]], [3]), { k: 1 });
  assert.deepEqual([...one.predictions], [3]);
});

test('kNN clamps k to the bank size and rejects bad input with a named reason', async () => {
  const r = await knnClassify(TRAIN, TEST, { k: 200 });
  assert.equal(r.k, 4);
  await assert.rejects(knnClassify(TRAIN, makeFeatureSet(new Float32Array(3), [0], 3)), EvalInputError);
  await assert.rejects(knnClassify(TRAIN, TEST, { T: 0 }), /T=0/);
  await assert.rejects(knnClassify(TRAIN, TEST, { numClasses: 2 }), /numClasses=2/);
  assert.throws(() => makeFeatureSet(Float32Array.from([0, NaN]), [0], 2), /row 0, column 1 is NaN/);
});

test('perfectly separable features → 100 % kNN top-1 and top-5, with any chunking', async () => {
  const train = separableSet(60, 10, 32, 1);
  const test = separableSet(30, 10, 32, 2);
  const before = tf.memory().numTensors;
  const whole = await knnClassify(train, test);
  assert.equal(whole.top1, 1);
  assert.equal(whole.top5, 1);
  // 7 rows per similarity chunk: same predictions as one chunk.
  const chunked = await knnClassify(train, test, { maxChunkElements: 7 * train.n });
  assert.deepEqual(chunked.predictions, whole.predictions);
  assert.equal(tf.memory().numTensors, before);
});

test('random features with random labels → kNN at chance within a Hoeffding bound (δ = 1e-6)', async () => {
  const C = 10;
  const train = randomSet(2000, C, 32, 3);
  const test = randomSet(2000, C, 32, 4);
  const r = await knnClassify(train, test);
  const t = hoeffdingHalfWidth(test.n, 1e-6); // 0.060
  assert.ok(Math.abs(r.top1 - 1 / C) < t, `top1 ${r.top1} not within ${t} of ${1 / C}`);
  assert.ok(Math.abs(r.top5 - 5 / C) < t, `top5 ${r.top5} not within ${t} of ${5 / C}`);
  assert.ok(r.top5 >= r.top1);
});

test('kNN agrees with a brute-force float64 reference on random data', async () => {
  const C = 7;
  const train = randomSet(500, C, 16, 5);
  const test = randomSet(300, C, 16, 6);
  const k = 20;
  const T = 0.1;
  const norm = (s: FeatureSet, i: number) => {
    const row = Array.from(s.features.subarray(i * s.dim, (i + 1) * s.dim));
    const len = Math.hypot(...row);
    return row.map((v) => v / len);
  };
  const bank = Array.from({ length: train.n }, (_, i) => norm(train, i));
  let correct = 0;
  const expected: number[] = [];
  for (let q = 0; q < test.n; q++) {
    const x = norm(test, q);
    const sims = bank.map((b, i) => ({ i, s: b.reduce((a, v, d) => a + v * x[d], 0) }));
    sims.sort((u, v) => v.s - u.s || u.i - v.i);
    const votes = new Array(C).fill(0);
    for (const { i, s } of sims.slice(0, k)) votes[train.labels[i]] += Math.exp(s / T);
    const pred = votes.indexOf(Math.max(...votes));
    expected.push(pred);
    if (pred === test.labels[q]) correct++;
  }
  const r = await knnClassify(train, test, { k, T, maxChunkElements: 64 * train.n });
  assert.deepEqual([...r.predictions], expected);
  assert.equal(r.top1, correct / test.n);
});
