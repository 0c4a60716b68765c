/** The epoch plan: a seeded permutation per epoch, batches with the last partial one dropped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanError, epochPermutation, planEpoch, stepsPerEpoch, type PlanOptions } from '../src/plan.ts';

const options: PlanOptions = { run: 'p', seed: 11, batchSize: 8, size: 16, images: 30, datasetSize: 40 };

test('each epoch is a permutation of the images, fixed by (seed, epoch)', () => {
  const a = epochPermutation(11, 0, 30);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual(epochPermutation(11, 0, 30), a, 'same seed and epoch: same order');
  assert.notDeepEqual(epochPermutation(11, 1, 30), a, 'another epoch: another order');
  assert.notDeepEqual(epochPermutation(12, 0, 30), a, 'another seed: another order');
});

test('batches of batchSize in permutation order, ids (run, epoch, step), last partial batch dropped', () => {
  assert.equal(stepsPerEpoch(options), 3);
  const plan = planEpoch(options, 2);
  const order = epochPermutation(11, 2, 30);
  assert.deepEqual(plan.map((b) => b.id), [0, 1, 2].map((step) => ({ run: 'p', epoch: 2, step })));
  assert.deepEqual(plan.flatMap((b) => b.spec.indices), Array.from(order.subarray(0, 24)));
  for (const b of plan) {
    assert.equal(b.spec.runSeed, 11);
    assert.equal(b.spec.size, 16);
    assert.equal(b.spec.datasetSize, 40);
    assert.ok(b.spec.params, 'the augmentation parameters travel with the spec');
  }
  assert.deepEqual(planEpoch(options, 2, 1), plan.slice(1), 'a resumed epoch plans the same batches');
});

test('a plan that makes no batch, or draws past the dataset, is refused', () => {
  assert.throws(() => planEpoch({ ...options, images: 7 }, 0), (e: Error) => e instanceof PlanError && /7 images make no batch of 8/.test(e.message));
  assert.throws(() => planEpoch({ ...options, images: 41 }, 0), (e: Error) => e instanceof PlanError && /41 images but the dataset has 40/.test(e.message));
});
