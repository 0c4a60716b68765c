/**
 * Every model of the registry trains: a few SGD steps of a small-width encoder on one fixed
 * batch (4 images of 32 px, 4 classes on the head's output) lower the loss, change every
 * parameter, keep everything finite and leave `tf.memory().numTensors` the same after each step.
 * Runs on whatever backend `initBackend()` picks (wasm here; `DISCO_BACKEND=cpu` to compare).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { MODEL_NAMES, createEncoder, modelInfo } from '@disco/models';

await initBackend();
await registerGradients();

const BATCH = Number(process.env.B ?? 4);
const STEPS = Number(process.env.S ?? 3);
/** Small widths: ResNets 8 stem channels, MobileNet-v3/EfficientNet ×0.25. */
const WIDTH: Record<string, number> = { resnet: 0.125, mobilenetv3: 0.25, efficientnet: 0.25 };

function batch(size: number, seed: number): { x: tf.Tensor; labels: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', seed), // [N, H, W, 3]
    labels: tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 4), 'int32'), 4), // [N, 4]
  }));
}

for (const name of MODEL_NAMES) {
  test(`${name} at small width trains for ${STEPS} SGD steps without leaking tensors`, (t) => {
    const before = tf.memory().numTensors;
    const width = WIDTH[modelInfo(name).family];
    const encoder = createEncoder(name, { width, seed: 7, headHidden: 16, embedDim: 4 });
    const params = encoder.parameters();
    const initial = params.map((p) => tf.clone(p));
    const size = modelInfo(name).inputSize === 32 ? 32 : Number(process.env.SZ ?? 64);
    const { x, labels } = batch(size, 11);
    const optimizer = tf.train.sgd(Number(process.env.LR ?? 0.05));
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, encoder.forward(x, { bn: 'train' })) as tf.Scalar, // []
        true,
        params,
      )!;
      losses.push(cost.dataSync()[0]);
      cost.dispose();
      tensorCounts.push(tf.memory().numTensors);
    }
    t.diagnostic(`${size} px, loss ${losses.map((l) => l.toFixed(4)).join(' → ')}, ${tensorCounts[0]} tensors`);
    assert.ok(losses.every(Number.isFinite), `losses finite: ${losses}`);
    assert.ok(losses[STEPS - 1] < losses[0], `loss decreases: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    assert.deepEqual(new Set(tensorCounts).size, 1, `numTensors stable across steps: ${tensorCounts}`);
    const names = encoder.namedTensors().filter((t) => t.kind === 'param').map((t) => t.name);
    const unchanged: string[] = [];
    tf.tidy(() => {
      params.forEach((p, i) => {
        assert.ok(tf.all(tf.isFinite(p)).dataSync()[0], `${names[i]} finite`);
        if (tf.max(tf.abs(tf.sub(p, initial[i]))).dataSync()[0] === 0) unchanged.push(names[i]);
      });
    });
    assert.deepEqual(unchanged, [], 'every parameter changes');
    const runningVar = encoder.namedTensors().find((t) => t.name.endsWith('running_var'))!;
    assert.ok(tf.tidy(() => tf.any(tf.notEqual(runningVar.variable, 1)).dataSync()[0]), 'BatchNorm running statistics are updated in train mode');
    tf.dispose([...initial, x, labels]);
    optimizer.dispose();
    encoder.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}
