import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { linearProbe, makeFeatureSet, EvalInputError, ProbeDivergedError } from '@disco/eval';
import { learningRateAt } from '../src/lr_schedule.ts';
import { hoeffdingHalfWidth, randomSet, separableSet } from './synthetic.ts';

await initBackend();

test('perfectly separable features → 100 % linear top-1, for every preprocessing and schedule', async () => {
  const train = separableSet(40, 10, 32, 11);
  const test = separableSet(20, 10, 32, 12);
  for (const preprocess of ['standardize', 'l2', 'none'] as const) {
    for (const schedule of ['cosine', 'step'] as const) {
      const before = tf.memory().numTensors;
      const r = await linearProbe(train, test, { epochs: 15, batchSize: 64, preprocess, schedule });
      assert.equal(r.top1, 1, `${preprocess}/${schedule}: top1 ${r.top1}`);
      assert.equal(r.top5, 1);
      assert.ok(r.lossPerEpoch[0] > r.final_loss, `${preprocess}/${schedule}: loss did not fall (${r.lossPerEpoch})`);
      assert.equal(tf.memory().numTensors, before, `${preprocess}/${schedule} leaked tensors`);
    }
  }
});

test('random features with random labels → linear probe at chance within a Hoeffding bound (δ = 1e-6)', async () => {
  const C = 10;
  const train = randomSet(2000, C, 32, 13);
  const test = randomSet(2000, C, 32, 14);
  const r = await linearProbe(train, test, { epochs: 10 });
  const t = hoeffdingHalfWidth(test.n, 1e-6); // 0.060
  assert.ok(Math.abs(r.top1 - 1 / C) < t, `top1 ${r.top1} not within ${t} of ${1 / C}`);
  assert.ok(Math.abs(r.top5 - 5 / C) < t, `top5 ${r.top5} not within ${t} of ${5 / C}`);
  assert.ok(r.top5 >= r.top1);
});

test('the probe is deterministic given its seed, and the seed matters', async () => {
  const train = randomSet(600, 5, 16, 15);
  const test = randomSet(300, 5, 16, 16);
  const a = await linearProbe(train, test, { epochs: 4, batchSize: 50, seed: 7 });
  const b = await linearProbe(train, test, { epochs: 4, batchSize: 50, seed: 7 });
  const c = await linearProbe(train, test, { epochs: 4, batchSize: 50, seed: 8 });
  assert.deepEqual(a.lossPerEpoch, b.lossPerEpoch);
  assert.deepEqual(a.predictions, b.predictions);
  assert.notDeepEqual(a.lossPerEpoch, c.lossPerEpoch);
  // The record says how it was trained.
  assert.deepEqual(
    { epochs: a.epochs, lr: a.lr, batch_size: a.batch_size, momentum: a.momentum, weight_decay: a.weight_decay, schedule: a.schedule, preprocess: a.preprocess, seed: a.seed },
    { epochs: 4, lr: 0.1, batch_size: 50, momentum: 0.9, weight_decay: 0, schedule: 'cosine', preprocess: 'standardize', seed: 7 },
  );
});

test('the probe rejects bad settings with the value in the message', async () => {
  const s = separableSet(2, 3, 4, 1);
  await assert.rejects(linearProbe(s, s, { lr: -1 }), EvalInputError);
  await assert.rejects(linearProbe(s, s, { momentum: 1 }), /momentum=1/);
  await assert.rejects(linearProbe(s, s, { seed: 1.5 }), /seed=1.5/);
});

test('a diverging probe stops with the epoch and the settings, leaking nothing', async () => {
  const s = separableSet(4, 3, 4, 2);
  const huge = makeFeatureSet(s.features.map((v) => v * 1e18), s.labels, s.dim);
  const before = tf.memory().numTensors;
  await assert.rejects(linearProbe(huge, huge, { preprocess: 'none', lr: 1e18, epochs: 3 }), (err: Error) => {
    assert.ok(err instanceof ProbeDivergedError);
    assert.match(err.message, /at epoch \d+ \(lr=1000000000000000000, preprocess=none\)/);
    return true;
  });
  assert.equal(tf.memory().numTensors, before);
});

test('schedules: cosine falls from lr to 0; step is ×0.1 at 60 % and ×0.01 at 80 % of the epochs', () => {
  assert.equal(learningRateAt('cosine', 0.5, 0, 10, 100), 0.5);
  assert.ok(Math.abs(learningRateAt('cosine', 0.5, 500, 10, 100) - 0.25) < 1e-12);
  assert.ok(learningRateAt('cosine', 0.5, 999, 10, 100) < 1e-5);
  assert.equal(learningRateAt('step', 1, 599, 10, 100), 1);
  assert.ok(Math.abs(learningRateAt('step', 1, 600, 10, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt('step', 1, 800, 10, 100) - 0.01) < 1e-12);
});
