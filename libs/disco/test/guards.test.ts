/** Fail fast and say why: config, embedding dimensions, batches, non-finite losses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import {
  StepInputError, ALGO_DEFAULTS, AlgoConfigError, DiscoTrainer, EmbeddingDimError, NonFiniteLossError, createDiscoTrainer, resolveAlgoConfig,
} from '@disco/disco';
import { disposeInput, randomInput, tinyConfig, tinyEncoder, tinyTrainer } from './tiny.ts';

await initBackend();
await registerGradients();

test('defaults are the DisCo commands, frozen', () => {
  assert.ok(Object.isFrozen(ALGO_DEFAULTS));
  const c = resolveAlgoConfig();
  assert.ok(Object.isFrozen(c));
  assert.deepEqual(
    { mode: c.mode, K: c.K, m: c.m, T: c.T, embedDim: c.embedDim, headHidden: c.headHidden, lambda: c.lambda, mseReduction: c.mseReduction },
    { mode: 'disco', K: 65536, m: 0.999, T: 0.2, embedDim: 128, headHidden: 2048, lambda: 32, mseReduction: 'batchmean' },
  );
  assert.deepEqual(
    { seedTs: c.seedTs, seedTt: c.seedTt, batchSize: c.batchSize, baseLr: c.baseLr, momentum: c.momentum, weightDecay: c.weightDecay, epochs: c.epochs, ghostBatchSize: c.ghostBatchSize },
    { seedTs: 0.2, seedTt: 1e-4, batchSize: 256, baseLr: 0.03, momentum: 0.9, weightDecay: 1e-4, epochs: 200, ghostBatchSize: 32 },
  );
});

test('an invalid config lists every problem', () => {
  assert.throws(() => resolveAlgoConfig({ K: 1000, batchSize: 256 }), (e: Error) => e instanceof AlgoConfigError && /K=1000 must be a multiple of batchSize=256/.test(e.message));
  assert.throws(() => resolveAlgoConfig({ mode: 'seed', K: 768, batchSize: 256 }), /K=768 must be a multiple of 2·batchSize=512/);
  assert.throws(() => resolveAlgoConfig({ ghostBatchSize: 24 }), /the batch of 256 per replica must be a multiple of ghostBatchSize=24/);
  assert.throws(
    () => resolveAlgoConfig({ T: -1, m: 2, mode: 'byol' as never }),
    (e: Error) => e instanceof AlgoConfigError && ['T:', 'm:', 'mode:'].every((s) => e.message.includes(s)),
  );
  assert.throws(() => resolveAlgoConfig({ tau: 1 } as never), /tau/);
});

test('teacher/student embedding dimensions are checked at construction', async () => {
  const config = tinyConfig();
  const build = (): ReturnType<typeof tinyEncoder> => tinyEncoder(config);
  const before = tf.memory().numTensors;
  assert.throws(() => new DiscoTrainer(config, { buildEncoder: build, teacherDim: 128 }), (e: Error) => e instanceof EmbeddingDimError && /teacher embeds in 128 dims but the student head outputs 8/.test(e.message));
  assert.throws(() => new DiscoTrainer(config, { buildEncoder: build }), /mode 'disco' needs the teacher's embedding dimension/);
  assert.throws(() => new DiscoTrainer(tinyConfig({ embedDim: 16 }), { buildEncoder: build, teacherDim: 16 }), /student head outputs 8 dims, config embedDim is 16/);
  assert.throws(() => new DiscoTrainer(tinyConfig({ headHidden: 2048 }), { buildEncoder: build, teacherDim: 8 }), /hidden width is 16, config headHidden is 2048/);
  assert.equal(tf.memory().numTensors, before, 'a refused construction disposes what it built');
  await assert.rejects(createDiscoTrainer(config, { buildEncoder: build, teacherDim: 7 }), EmbeddingDimError);
  (await createDiscoTrainer(tinyConfig({ mode: 'mocov2' }), { buildEncoder: build })).dispose(); // mocov2 needs no teacher
  assert.equal(tf.memory().numTensors, before);
});

test('a malformed batch is refused, naming the batch', () => {
  const config = tinyConfig();
  const trainer = tinyTrainer(config);
  const input = randomInput(config, 3);
  const wide = tf.ones([8, 16]);
  const unnormalised = tf.mul(input.t1!, 2);
  const cases: Array<[Partial<typeof input>, RegExp]> = [
    [{ t2: undefined }, /batch test\/0\/0: t2 \(teacher embeddings\) is required/],
    [{ t1: wide }, /t1 has shape \[8,16\], not \[8,8\]/],
    [{ t1: unnormalised }, /t1 row 0 has norm 2.*L2-normalised/],
    [{ x2: tf.slice(input.x2, [0, 0, 0, 0], [4, -1, -1, -1]) }, /x2 has shape \[4,8,8,3\] but x1 has \[8,8,8,3\]/],
    [{ permutation: [0, 0, 1, 2, 3, 4, 5, 6] }, /permutation: entry 1 \(0\) breaks the permutation/],
    [{ epoch: -1 }, /epoch -1/],
  ];
  const before = tf.memory().numTensors;
  for (const [patch, message] of cases) {
    assert.throws(() => trainer.trainStep({ ...input, ...patch }), (e: Error) => e instanceof StepInputError && message.test(e.message), String(message));
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(trainer.step, 0);
  tf.dispose([wide, unnormalised, ...cases.map(([p]) => p.x2).filter((x): x is tf.Tensor => !!x)]);
  disposeInput(input);
  trainer.dispose();
});

test('a non-finite loss stops the step before SGD and enqueue, naming step, batch and terms', () => {
  for (const [mode, view, terms] of [
    ['disco', 'x1', ['contrastive', 'distill1', 'total']],
    ['mse-only', 'x2', ['contrastive', 'distill2', 'total']],
    ['seed', 'x2', ['seed', 'total']],
  ] as const) {
    const config = tinyConfig({ mode });
    const trainer = tinyTrainer(config);
    const ok = randomInput(config, 8);
    trainer.trainStep(ok);
    const bad = randomInput(config, 9, 1);
    const poisoned = tf.tidy(() => tf.where(tf.equal(tf.reshape(tf.range(0, 8 * 8 * 8 * 3), bad[view].shape), 5), tf.fill(bad[view].shape, NaN), bad[view]));
    const saved = trainer.save();
    const before = tf.memory().numTensors;
    assert.throws(
      () => trainer.trainStep({ ...bad, batchId: 'run/0/1', [view]: poisoned }),
      (e: Error) =>
        e instanceof NonFiniteLossError && e.step === 1 && e.batchId === 'run/0/1' && e.term === terms[0] &&
        JSON.stringify(e.terms.map((t) => t.term)) === JSON.stringify(terms) && /non-finite loss at step 1, batch run\/0\/1: '/.test(e.message),
    );
    assert.equal(tf.memory().numTensors, before, `${mode}: tensors leaked by the failed step`);
    const after = trainer.save();
    assert.equal(after.metadata.step, 1);
    assert.equal(after.metadata.queuePtr, saved.metadata.queuePtr);
    assert.deepEqual(after.tensors.get('queue')!.data, saved.tensors.get('queue')!.data);
    assert.deepEqual(after.tensors.get('student.fc.2.weight')!.data, saved.tensors.get('student.fc.2.weight')!.data);
    assert.deepEqual(after.tensors.get('sgd.momentum.fc.2.weight')!.data, saved.tensors.get('sgd.momentum.fc.2.weight')!.data);
    tf.dispose(poisoned);
    disposeInput(ok);
    disposeInput(bad);
    trainer.dispose();
  }
});
