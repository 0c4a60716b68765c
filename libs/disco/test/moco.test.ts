/** The paper's steps one by one: queue, momentum update, logits, Shuffle-BN, losses, SGD, lr. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { InitRng, normal } from '@disco/models';
import {
  KeyQueue, MoCo, SeedDistiller, TorchSgd, distillMse, inversePermutation, learningRate, stepPermutation, resolveAlgoConfig,
  shuffledGhostForward, stepRng,
} from '@disco/disco';
import { tinyConfig, tinyEncoder, unitRows } from './tiny.ts';

await initBackend();
await registerGradients();

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('queue: unit-norm start, enqueue at the pointer, wrap-around, K % N refused', () => {
  const q = new KeyQueue(12, 3, 5);
  close(tf.tidy(() => tf.norm(q.keys, 2, 1).dataSync()), new Array(12).fill(1), 1e-6, 'initial norms');
  const before = tf.memory().numTensors;
  const old = q.keys.arraySync() as number[][];
  const batch = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]); // [4, 3]
  q.setPointer(8);
  q.dequeueAndEnqueue(batch);
  assert.equal(q.ptr, 0);
  const now = q.keys.arraySync() as number[][];
  assert.deepEqual(now.slice(0, 8), old.slice(0, 8));
  assert.deepEqual(now.slice(8), batch.arraySync());
  q.dequeueAndEnqueue(batch);
  assert.equal(q.ptr, 4);
  const five = tf.zeros([5, 3]);
  assert.throws(() => q.dequeueAndEnqueue(five), /K=12 is not a multiple of the batch size 5/);
  tf.dispose([batch, five]);
  assert.equal(tf.memory().numTensors, before);
  q.dispose();
});

test('momentumUpdateKeyEncoder: θk ← m·θk + (1−m)·θq on parameters, buffers untouched', () => {
  const config = tinyConfig({ m: 0.75 });
  const encQ = tinyEncoder(config, { baseWidth: 2, size: 8, seed: 1 });
  const encK = tinyEncoder(config, { baseWidth: 2, size: 8, seed: 2 });
  const queue = new KeyQueue(32, 8, 0);
  const moco = new MoCo(encQ, encK, queue, config);
  const q0 = new Map(encQ.namedTensors().map((t) => [t.name, t.variable.dataSync().slice()]));
  const k0 = new Map(encK.namedTensors().map((t) => [t.name, t.variable.dataSync().slice()]));
  const before = tf.memory().numTensors;
  moco.momentumUpdateKeyEncoder();
  assert.equal(tf.memory().numTensors, before);
  for (const t of encK.namedTensors()) {
    const expected = t.kind === 'param' ? k0.get(t.name)!.map((v, i) => 0.75 * v + 0.25 * q0.get(t.name)![i]) : k0.get(t.name)!;
    close(t.variable.dataSync(), expected, 1e-6, t.name);
  }
  assert.ok(encK.parameters().every((v) => !v.trainable), 'the key encoder is frozen');
  encQ.dispose();
  encK.dispose();
  queue.dispose();
});

test('contrastive logits: [N, 1+K], positive first, divided by T; InfoNCE is CE with label 0', () => {
  const config = tinyConfig({ T: 0.5 });
  const enc = tinyEncoder(config);
  const queue = new KeyQueue(32, 8, 3);
  const moco = new MoCo(enc, tinyEncoder(config), queue, config);
  const rng = new InitRng(4);
  const q = unitRows(rng, 8, 8);
  const k = unitRows(rng, 8, 8);
  const before = tf.memory().numTensors;
  const logits = moco.contrastiveLogits(q, k); // [8, 33]
  const loss = moco.contrastiveLoss(q, k);
  assert.deepEqual(logits.shape, [8, 33]);
  const Q = q.arraySync();
  const K = k.arraySync();
  const queueRows = queue.keys.arraySync() as number[][];
  const L = logits.arraySync();
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
  let ce = 0;
  for (let n = 0; n < 8; n++) {
    const row = [dot(Q[n], K[n]) / 0.5, ...queueRows.map((r) => dot(Q[n], r) / 0.5)];
    close(L[n], row, 1e-5, `logits row ${n}`);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    ce += (lse - row[0]) / 8;
  }
  close([loss.dataSync()[0]], [ce], 1e-5, 'InfoNCE');
  tf.dispose([logits, loss]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([q, k]);
  enc.dispose();
  moco.encoderK.dispose();
  queue.dispose();
});

test('Shuffle-BN substitute: ghost batches of the shuffled batch, unshuffled; stats from ghost 0', () => {
  const config = tinyConfig();
  const enc = tinyEncoder(config);
  const ref = tinyEncoder(config);
  const x = normal(new InitRng(6), [8, 8, 8, 3], 1);
  const perm = stepPermutation(0, 3, 8);
  assert.notDeepEqual([...perm], [0, 1, 2, 3, 4, 5, 6, 7]);
  const before = tf.memory().numTensors;
  const k = shuffledGhostForward(enc, x, perm, 4); // [8, 8]
  assert.equal(tf.memory().numTensors, before + 1);
  // By hand: chunk g of x[perm] through a twin encoder, rows put back where they came from.
  const expected = tf.tidy(() => {
    const xs = tf.gather(x, tf.tensor1d(perm, 'int32'));
    const a = ref.forward(tf.slice(xs, [0, 0, 0, 0], [4, -1, -1, -1]), { bn: 'train' });
    const b = ref.forward(tf.slice(xs, [4, 0, 0, 0], [4, -1, -1, -1]), { bn: 'batch' });
    const rows = tf.concat([a, b], 0);
    const normed = tf.div(rows, tf.norm(rows, 2, 1, true));
    return tf.gather(normed, tf.tensor1d(inversePermutation(perm), 'int32'));
  });
  close(k.dataSync(), expected.dataSync(), 1e-6, 'keys');
  for (const [a, b] of enc.namedTensors().map((t, i) => [t, ref.namedTensors()[i]] as const)) {
    close(a.variable.dataSync(), b.variable.dataSync(), 1e-6, `${a.name} (running statistics from ghost 0 only)`);
  }
  // One ghost batch: BatchNorm over the whole batch is permutation-invariant, so the unshuffled
  // keys equal the plain forward pass.
  const whole = shuffledGhostForward(enc, x, perm, 8);
  const plain = tf.tidy(() => {
    const y = enc.forward(x, { bn: 'batch' });
    return tf.div(y, tf.norm(y, 2, 1, true));
  });
  close(whole.dataSync(), plain.dataSync(), 1e-5, 'single ghost batch');
  tf.dispose([k, expected, x, whole, plain]);
  enc.dispose();
  ref.dispose();
});

test('distillation MSE: sum = N·batchmean = N·D·mean', () => {
  const rng = new InitRng(9);
  const t = unitRows(rng, 8, 4);
  const q = unitRows(rng, 8, 4);
  const [sum, batchmean, mean] = (['sum', 'batchmean', 'mean'] as const).map((r) => {
    const v = distillMse(t, q, r);
    const out = v.dataSync()[0];
    v.dispose();
    return out;
  });
  const byHand = (t.arraySync() as number[][]).reduce((s, row, n) => s + row.reduce((a, v, d) => a + (v - (q.arraySync() as number[][])[n][d]) ** 2, 0), 0);
  close([sum, batchmean * 8, mean * 32], [byHand, byHand, byHand], 1e-5, 'reductions');
  tf.dispose([t, q]);
});

test('SEED: soft targets from the teacher at τ_t, student log-softmax at τ_s', () => {
  const rng = new InitRng(12);
  const queue = new KeyQueue(16, 4, 2);
  const seed = new SeedDistiller(queue, { Ts: 0.2, Tt: 1e-4 });
  const s = unitRows(rng, 4, 4);
  const t = unitRows(rng, 4, 4);
  const loss = seed.loss(s, t);
  const Q = queue.keys.arraySync() as number[][];
  const S = s.arraySync();
  const T = t.arraySync();
  const dot = (a: number[], b: number[]): number => a.reduce((acc, v, i) => acc + v * b[i], 0);
  const softmax = (z: number[]): number[] => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
  let expected = 0;
  for (let n = 0; n < 4; n++) {
    const pt = softmax([dot(T[n], T[n]), ...Q.map((r) => dot(T[n], r))].map((v) => v / 1e-4));
    const ls = softmax([dot(S[n], T[n]), ...Q.map((r) => dot(S[n], r))].map((v) => v / 0.2)).map(Math.log);
    expected -= pt.reduce((a, p, j) => a + p * ls[j], 0) / 4;
  }
  close([loss.dataSync()[0]], [expected], 1e-4, 'SEED loss');
  seed.dequeueAndEnqueue(s, t);
  assert.equal(queue.ptr, 8);
  close((queue.keys.arraySync() as number[][]).slice(0, 8).flat(), [...S, ...T].flat(), 0, 'enqueued view 1 then view 2');
  tf.dispose([loss, s, t]);
  queue.dispose();
});

test('SGD is torch.optim.SGD: d = g + wd·θ; buf = μ·buf + d; θ −= lr·buf', () => {
  const theta = tf.variable(tf.tensor1d([1, -2]));
  const sgd = new TorchSgd([{ name: 'w', variable: theta, layout: 'plain', kind: 'param' }], { momentum: 0.9, weightDecay: 0.1 });
  const g1 = tf.tensor1d([0.5, 0.25]);
  const g2 = tf.tensor1d([-1, 2]);
  sgd.step(new Map([['w', g1]]), 0.1);
  // step 1: d = [0.6, 0.05], buf = d, θ = [0.94, -2.005]
  close(theta.dataSync(), [0.94, -2.005], 1e-6, 'θ after step 1');
  sgd.step(new Map([['w', g2]]), 0.05);
  // step 2: d = [-1 + 0.094, 2 - 0.2005] = [-0.906, 1.7995]; buf = 0.9·[0.6, 0.05] + d = [-0.366, 1.8445]
  close(sgd.buffers.get('w')!.dataSync(), [-0.366, 1.8445], 1e-6, 'momentum buffer');
  close(theta.dataSync(), [0.94 + 0.05 * 0.366, -2.005 - 0.05 * 1.8445], 1e-6, 'θ after step 2');
  const kept = theta.dataSync().slice();
  sgd.step(new Map(), 0.05); // no gradient: untouched, as torch skips grad None
  assert.deepEqual(theta.dataSync(), kept);
  tf.dispose([theta, g1, g2]);
  sgd.dispose();
});

test('lr = baseLr·N/256 with MoCo cosine, per epoch or per step', () => {
  const c = resolveAlgoConfig({ baseLr: 0.03, batchSize: 512, epochs: 200 });
  assert.equal(learningRate(c, 0), 0.06);
  assert.equal(learningRate(c, 100.9), learningRate(c, 100));
  assert.ok(Math.abs(learningRate(c, 100) - 0.03) < 1e-15);
  const step = resolveAlgoConfig({ ...c, lrSchedule: 'cosine-step' });
  assert.ok(learningRate(step, 100.5) < learningRate(step, 100));
  assert.equal(learningRate(resolveAlgoConfig({ ...c, lrSchedule: 'constant' }), 150), 0.06);
  assert.throws(() => learningRate(c, Number.NaN), /epoch NaN/);
});

test('step RNG: a permutation per (seed, step), reproducible, inverse undoes it', () => {
  const a = stepPermutation(3, 10, 64);
  assert.deepEqual(a, stepPermutation(3, 10, 64));
  assert.notDeepEqual(a, stepPermutation(3, 11, 64));
  assert.notDeepEqual(a, stepPermutation(4, 10, 64));
  assert.deepEqual([...a].sort((x, y) => x - y), [...Array(64).keys()]);
  const inv = inversePermutation(a);
  assert.deepEqual([...a].map((_, i) => a[inv[i]]), [...Array(64).keys()]);
});
