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

test('the views recipe travels with every batch: MoCo-v2 by default, σ scaled to the view when asked', async () => {
  const { MOCO_V2_AUGMENT } = await import('@disco/augment');
  const { toWireParams } = await import('@disco/dataplane');
  const { trainerConfigSchema, trainingIdentity, viewsRecipe } = await import('../src/config.ts');
  assert.deepEqual(planEpoch(options, 0)[0].spec.params, toWireParams(MOCO_V2_AUGMENT), 'default: exactly MoCo-v2 (runs before the section keep their views)');

  const config = trainerConfigSchema.parse({
    trainer: { size: 32 },
    views: { blurSigmaScale: 'image', cropScale: [0.08, 1], jitterStrength: 0.5, blur: true },
  });
  const params = planEpoch({ ...options, size: 32, views: viewsRecipe(config) }, 0)[0].spec.params!;
  assert.ok(Math.abs(Number(params.blurSigmaMin) - (0.1 * 32) / 224) < 1e-12 && Math.abs(Number(params.blurSigmaMax) - (2 * 32) / 224) < 1e-12);
  assert.equal(params.cropScaleMin, 0.08);
  assert.equal(params.brightness, 0.2);
  assert.equal(params.hue, 0.05);
  const noBlur = planEpoch({ ...options, views: viewsRecipe(trainerConfigSchema.parse({ views: { blur: false, jitterStrength: 0 } })) }, 0)[0].spec.params!;
  assert.equal(noBlur.blurP, 0);
  assert.equal(noBlur.jitterP, 0);

  // The recipe decides the weights: a checkpoint resumes only under the same one.
  const base = trainerConfigSchema.parse({});
  assert.notDeepEqual(trainingIdentity(config), trainingIdentity(base));
  const { views: _omitted, ...older } = base;
  assert.deepEqual(trainingIdentity(older as typeof base), trainingIdentity(base), 'a checkpoint from before the section means MoCo-v2 views');
  assert.throws(() => trainerConfigSchema.parse({ views: { cropScale: [0.9, 0.2] } }), /range must be \[low, high\]/);
});
