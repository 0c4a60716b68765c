/**
 * Every model of the registry trains: a step along the gradient of a small-width encoder's loss
 * on one fixed batch (4 images, 4 classes on the head's output, softmax cross-entropy, BatchNorm
 * in train mode) lowers it, and SGD steps change every parameter, keep everything finite, update the BatchNorm running
 * statistics and leave `tf.memory().numTensors` the same after each step.
 *
 * Inputs are 32 px for the CIFAR-stem ResNets and 64 px for the 224-px architectures: at 32 px
 * those end at 1×1, where BatchNorm normalises each channel over only the 4 samples of the batch
 * and the loss is so sharp that even lr 0.002 can raise it for a step (the gradients themselves
 * match PyTorch's to ~1e-4 relative; measured for MobileNet-v3 and EfficientNet). At 64 px (2×2)
 * lr 0.01 for 5 steps lowers every loss (measured on wasm: by 0.015 for MobileNet-v3, 0.05–0.38 for the others).
 * Runs on whatever backend `initBackend()` picks (wasm here; `DISCO_BACKEND=cpu` is ~20× slower).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { MODEL_NAMES, createEncoder, modelInfo } from '@disco/models';

await initBackend();
await registerGradients();

const BATCH = 4;
const STEPS = 5;
const LEARNING_RATE = 0.01;
/** Step sizes tried, largest first, until one lowers the loss. */
const DESCENT_PROBES = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5];
/** Small widths: ResNets 8 stem channels, MobileNet-v3/EfficientNet ×0.25. */
const WIDTH: Record<string, number> = { resnet: 0.125, mobilenetv3: 0.25, efficientnet: 0.25 };

function batch(size: number, seed: number): { x: tf.Tensor; labels: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', seed), // [N, H, W, 3]
    labels: tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4), // [N, 4]
  }));
}

for (const name of MODEL_NAMES) {
  test(`${name} at small width trains for ${STEPS} SGD steps without leaking tensors`, (t) => {
    const before = tf.memory().numTensors;
    const info = modelInfo(name);
    const size = info.inputSize === 32 ? 32 : 64;
    const encoder = createEncoder(name, { width: WIDTH[info.family], seed: 7, headHidden: 16, embedDim: 4 });
    const params = encoder.parameters();
    const initial = params.map((p) => tf.clone(p));
    const { x, labels } = batch(size, 11);
    const optimizer = tf.train.sgd(LEARNING_RATE);
    try {
      // The gradient is a descent direction: a small enough step along it lowers the loss. (Five
      // steps of lr 0.01 need not: at 2×2 px with batch 4 the deep ResNets' losses wander by
      // ±0.1 from step to step, differently on every backend.)
      const lossNow = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, encoder.forward(x, { bn: 'train' })).dataSync()[0]);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, encoder.forward(x, { bn: 'train' })) as tf.Scalar, params);
      const start = value.dataSync()[0];
      const probes: string[] = [];
      let lowered = false;
      for (const lr of DESCENT_PROBES) {
        params.forEach((p) => {
          const moved = tf.tidy(() => tf.sub(p, tf.mul(grads[p.name], lr)));
          p.assign(moved);
          moved.dispose();
        });
        const after = lossNow();
        params.forEach((p, i) => {
          const copy = tf.clone(initial[i]); // own data: the SGD steps below must not touch `initial`
          p.assign(copy);
          copy.dispose();
        });
        probes.push(`lr ${lr}: ${after.toFixed(5)}`);
        if (after < start) {
          lowered = true;
          break;
        }
      }
      tf.dispose([value, ...Object.values(grads)]);
      assert.ok(lowered, `a step along the gradient lowers the loss ${start.toFixed(5)}: ${probes.join(', ')}`);

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
      t.diagnostic(`${size} px, loss ${losses.map((l) => l.toFixed(4)).join(' → ')}, ${tensorCounts[0] - before} tensors held`);
      assert.ok(losses.every(Number.isFinite), `losses finite: ${losses}`);
      assert.equal(new Set(tensorCounts).size, 1, `numTensors stable across steps: ${tensorCounts}`);
      const names = encoder.namedTensors().filter((n) => n.kind === 'param').map((n) => n.name);
      const unchanged: string[] = [];
      tf.tidy(() => {
        params.forEach((p, i) => {
          assert.ok(tf.all(tf.isFinite(p)).dataSync()[0], `${names[i]} finite`);
          if (tf.max(tf.abs(tf.sub(p, initial[i]))).dataSync()[0] === 0) unchanged.push(names[i]);
        });
      });
      assert.deepEqual(unchanged, [], 'every parameter changes');
      const runningVar = encoder.namedTensors().find((n) => n.name.endsWith('running_var'))!;
      assert.ok(tf.tidy(() => tf.any(tf.notEqual(runningVar.variable, 1)).dataSync()[0]), 'BatchNorm running statistics are updated');
    } finally {
      tf.dispose([...initial, x, labels]);
      optimizer.dispose();
      encoder.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
}
