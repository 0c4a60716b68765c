/**
 * Long runs of the real train step on a tiny model: no tensor leaks over 100 steps, and 200 steps
 * of DisCo on random data bring the student's embeddings close to the teacher's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { InitRng, normal } from '@disco/models';
import { resolveAlgoConfig, type AlgoConfig, type LossMode, type StepInput } from '@disco/disco';
import { twoConvTrainer, unitRows } from './tiny.ts';

await initBackend();
await registerGradients();

const N = 8;
const SIZE = 8;

function config(mode: LossMode, overrides: Partial<AlgoConfig> = {}): AlgoConfig {
  return resolveAlgoConfig({ mode, K: 64, batchSize: N, ghostBatchSize: 4, embedDim: 8, headHidden: 32, baseLr: 1.6, epochs: 1, lrSchedule: 'constant', ...overrides });
}

/**
 * A fixed random dataset of `m` images, each with its own random unit teacher embedding; a step
 * draws N images and makes two views by adding independent noise.
 */
class RandomTask {
  private readonly rng: InitRng;
  private readonly images: tf.Tensor4D;
  private readonly teacher: tf.Tensor2D;

  constructor(readonly m: number, seed: number) {
    this.rng = new InitRng(seed);
    this.images = normal(this.rng, [m, SIZE, SIZE, 3], 1) as tf.Tensor4D; // [M, H, W, 3]
    this.teacher = unitRows(this.rng, m, 8); // [M, D]
  }

  batch(step: number): StepInput {
    return tf.tidy(() => {
      const idx = tf.tensor1d(Array.from({ length: N }, () => Math.floor(this.rng.uniform() * this.m)), 'int32'); // [N]
      const x = tf.gather(this.images, idx); // [N, H, W, 3]
      const t = tf.gather(this.teacher, idx); // [N, D]
      return {
        batchId: `random/0/${step}`,
        epoch: 0,
        x1: tf.keep(tf.add(x, normal(this.rng, [N, SIZE, SIZE, 3], 0.1))), // [N, H, W, 3]
        x2: tf.keep(tf.add(x, normal(this.rng, [N, SIZE, SIZE, 3], 0.1))), // [N, H, W, 3]
        t1: tf.keep(t), // [N, D]
        t2: tf.keep(tf.clone(t)), // [N, D]
      };
    });
  }

  dispose(): void {
    tf.dispose([this.images, this.teacher]);
  }
}

function disposeBatch(b: StepInput): void {
  tf.dispose([b.x1, b.x2, b.t1!, b.t2!]);
}

test('no tensor leaks: 100 steps of disco, 10 of each other mode', () => {
  for (const [mode, steps] of [['disco', 100], ['mocov2', 10], ['mse-only', 10], ['seed', 10]] as const) {
    const task = new RandomTask(16, 5);
    const empty = tf.memory().numTensors;
    const trainer = twoConvTrainer(config(mode));
    const before = tf.memory().numTensors;
    for (let s = 0; s < steps; s++) {
      const b = task.batch(s);
      trainer.trainStep(b);
      disposeBatch(b);
      assert.equal(tf.memory().numTensors, before, `${mode}: ${tf.memory().numTensors - before} tensors leaked by step ${s}`);
    }
    trainer.dispose();
    assert.equal(tf.memory().numTensors, empty, `${mode}: dispose() releases everything the trainer made`);
    task.dispose();
  }
});

test('200 steps of DisCo on random data: the distillation term falls from ≈2 to below 1', (t) => {
  // ‖t − q‖² of unrelated unit vectors is 2 on average; batchmean reports it per sample.
  const task = new RandomTask(32, 11);
  const trainer = twoConvTrainer(config('disco'));
  const distill: number[] = [];
  for (let s = 0; s < 200; s++) {
    const b = task.batch(s);
    const r = trainer.trainStep(b);
    disposeBatch(b);
    distill.push((r.terms.distill1! + r.terms.distill2!) / 2);
    assert.ok(Number.isFinite(r.terms.contrastive), `step ${s}: contrastive ${r.terms.contrastive}`);
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const first = mean(distill.slice(0, 10));
  const last = mean(distill.slice(-20));
  t.diagnostic(`distill per sample: first 10 steps ${first.toFixed(3)}, last 20 steps ${last.toFixed(3)}`);
  // Measured: ≈1.87 → ≈0.74; the same run with λ = 0 stays at ≈2.0.
  assert.ok(first > 1.5, `the student starts unrelated to the teacher (first 10 steps: ${first})`);
  assert.ok(last < 1.0, `the distillation term must fall below 1.0 (last 20 steps: ${last}, first 10: ${first})`);
  trainer.dispose();
  task.dispose();
});
