/** Save → restore → step continues bit-for-bit; restore is strict about what it accepts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { StateError, type DiscoState, type LossMode } from '@disco/disco';
import { disposeInput, randomInput, tinyConfig, tinyTrainer } from './tiny.ts';

await initBackend();
await registerGradients();

function clone(state: DiscoState): DiscoState {
  const tensors = new Map([...state.tensors].map(([k, r]) => [k, { ...r, shape: [...r.shape], data: r.data.slice() }]));
  return { tensors, metadata: JSON.parse(JSON.stringify(state.metadata)) };
}

function assertBitIdentical(a: DiscoState, b: DiscoState, what: string): void {
  assert.deepEqual([...a.tensors.keys()], [...b.tensors.keys()], `${what}: tensor names`);
  for (const [name, ra] of a.tensors) {
    const rb = b.tensors.get(name)!;
    const ua = new Uint32Array(ra.data.buffer, ra.data.byteOffset, ra.data.length);
    const ub = new Uint32Array(rb.data.buffer, rb.data.byteOffset, rb.data.length);
    const i = ua.findIndex((v, j) => v !== ub[j]);
    assert.equal(i, -1, `${what}: ${name}[${i}] differs (${ra.data[i]} vs ${rb.data[i]})`);
  }
  assert.deepEqual(a.metadata, b.metadata, `${what}: metadata`);
}

for (const mode of ['disco', 'seed'] as const satisfies readonly LossMode[]) {
  test(`save → restore → step is bit-identical to an uninterrupted run (${mode})`, () => {
    const config = tinyConfig({ mode });
    const batches = [0, 1, 2, 3].map((s) => randomInput(config, 40 + s, s));
    const a = tinyTrainer(config);
    a.trainStep(batches[0]);
    a.trainStep(batches[1]);
    const saved = clone(a.save());
    const r2a = a.trainStep(batches[2]);
    const r3a = a.trainStep(batches[3]);

    const b = tinyTrainer(config, { baseWidth: 2, size: 8, seed: 99 }); // different initial weights
    b.restore(saved);
    assert.equal(b.step, 2);
    const r2b = b.trainStep(batches[2]); // Shuffle-BN permutation drawn from the restored step RNG
    const r3b = b.trainStep(batches[3]);
    assert.deepEqual(r2b, r2a);
    assert.deepEqual(r3b, r3a);
    assertBitIdentical(b.save(), a.save(), 'after two more steps');
    batches.forEach(disposeInput);
    a.dispose();
    b.dispose();
  });
}

test('the saved state is plain data: JSON metadata, copied typed arrays', () => {
  const config = tinyConfig();
  const trainer = tinyTrainer(config);
  const input = randomInput(config, 1);
  trainer.trainStep(input);
  const state = trainer.save();
  const m = state.metadata;
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  assert.equal(m.step, 1);
  assert.equal(m.queuePtr, 8);
  assert.deepEqual(m.rng, { algorithm: m.rng.algorithm, seed: config.seed, step: 1 });
  assert.equal(m.layouts['student.backbone.conv1.weight'], 'conv-hwio');
  assert.equal(m.layouts['key.fc.0.weight'], 'linear-io');
  assert.ok(state.tensors.has('sgd.momentum.fc.2.bias') && state.tensors.has('queue'));
  assert.ok(![...state.tensors.keys()].some((k) => k.startsWith('sgd.momentum.') && k.includes('running_')), 'no slots for buffers');
  state.tensors.get('queue')!.data.fill(7); // must not reach the trainer
  assert.notEqual(trainer.save().tensors.get('queue')!.data[0], 7);
  disposeInput(input);
  trainer.dispose();
});

test('restore refuses a state that does not fit, listing every problem, and changes nothing', () => {
  const config = tinyConfig();
  const trainer = tinyTrainer(config);
  const good = trainer.save();
  const bad = clone(good);
  bad.tensors.delete('key.fc.2.bias');
  bad.tensors.set('student.fc.0.weight', { dtype: 'float32', shape: [3, 3], data: new Float32Array(9) });
  bad.tensors.set('extra', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
  bad.metadata.queuePtr = config.K;
  bad.metadata.config = { ...bad.metadata.config, T: 0.07 };
  const before = tf.memory().numTensors;
  assert.throws(
    () => trainer.restore(bad),
    (err: Error) =>
      err instanceof StateError &&
      ['missing tensors: key.fc.2.bias', 'unknown tensors: extra', 'student.fc.0.weight: shape [3,3]', 'queuePtr 32', 'config T: saved 0.07, live 0.2'].every((s) => err.message.includes(s)),
  );
  assert.equal(tf.memory().numTensors, before);
  assert.equal(trainer.step, 0);
  const seedTrainer = tinyTrainer(tinyConfig({ mode: 'seed' }));
  assert.throws(() => seedTrainer.restore(good), /mode 'disco' is not 'seed'/);
  trainer.dispose();
  seedTrainer.dispose();
});

test('inheritQueue: the reference quirk of taking the teacher checkpoint’s queue and pointer', () => {
  const config = tinyConfig();
  const trainer = tinyTrainer(config);
  const keys = tf.tidy(() => tf.div(tf.ones([config.K, config.embedDim]), Math.sqrt(config.embedDim))); // [K, D]
  trainer.inheritQueue(keys, 16);
  const state = trainer.save();
  assert.equal(state.metadata.queuePtr, 16);
  assert.ok(state.tensors.get('queue')!.data.every((v) => Math.abs(v - 1 / Math.sqrt(8)) < 1e-7));
  const wrong = tf.zeros([config.K, 4]);
  assert.throws(() => trainer.inheritQueue(wrong, 0), /do not fit \[K=32, D=8\]/);
  assert.throws(() => trainer.inheritQueue(keys, 32), /pointer 32/);
  tf.dispose([keys, wrong]);
  trainer.dispose();
});
