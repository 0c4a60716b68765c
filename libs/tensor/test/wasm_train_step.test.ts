/**
 * A small conv net (conv → BatchNorm via tf.moments → ReLU → depthwise conv → pointwise conv →
 * global mean → dense) trains with plain SGD on wasm: the loss falls, no tensor leaks across
 * steps, and every step's loss equals the cpu backend's (same data, same initial weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { runOn, setupWasm, TOL, values } from './wasm_compare.ts';

await setupWasm();

const N = 8; // batch
const CLASSES = 4;
const STEPS = 8;
const LR = 0.5;

interface Net {
  conv: tf.Variable; // [3, 3, 3, 8]
  gamma: tf.Variable; // [8]
  beta: tf.Variable; // [8]
  dw: tf.Variable; // [3, 3, 8, 2]
  pw: tf.Variable; // [1, 1, 16, 12]
  dense: tf.Variable; // [12, CLASSES]
  bias: tf.Variable; // [CLASSES]
}

function makeNet(): Net {
  const v = (shape: number[], seed: number, scale: number) => tf.variable(tf.mul(tf.tensor(values(shape.reduce((a, b) => a * b), seed), shape), scale));
  return {
    conv: v([3, 3, 3, 8], 61, 0.3),
    gamma: tf.variable(tf.ones([8])),
    beta: tf.variable(tf.zeros([8])),
    dw: v([3, 3, 8, 2], 62, 0.3),
    pw: v([1, 1, 16, 12], 63, 0.3),
    dense: v([12, CLASSES], 64, 0.3),
    bias: tf.variable(tf.zeros([CLASSES])),
  };
}

function forward(net: Net, x: tf.Tensor4D): tf.Tensor2D {
  const h1 = tf.conv2d(x, net.conv as tf.Tensor4D, 1, 'same'); // [N, 11, 11, 8]
  const { mean, variance } = tf.moments(h1, [0, 1, 2]); // [8], [8]
  const bn = tf.add(tf.mul(tf.div(tf.sub(h1, mean), tf.sqrt(tf.add(variance, 1e-5))), net.gamma), net.beta); // [N, 11, 11, 8]
  const h2 = tf.depthwiseConv2d(tf.relu(bn) as tf.Tensor4D, net.dw as tf.Tensor4D, 2, 'same'); // [N, 6, 6, 16]
  const h3 = tf.relu6(tf.conv2d(h2, net.pw as tf.Tensor4D, 1, 'valid')); // [N, 6, 6, 12]
  const pooled = tf.mean(h3, [1, 2]) as tf.Tensor2D; // [N, 12]
  return tf.add(tf.matMul(pooled, net.dense as tf.Tensor2D), net.bias); // [N, CLASSES]
}

/** Trains STEPS plain-SGD steps; returns each step's loss and the tensor count after each step. */
function train(): { losses: number[]; counts: number[] } {
  const net = makeNet();
  const classes = [0, 1, 2, 3, 3, 2, 1, 0];
  // Noise plus a class signal: classes 0–2 brighten one channel, class 3 darkens all three.
  const signal = tf.tensor4d(classes.flatMap((k) => (k < 3 ? [0, 1, 2].map((ch) => (ch === k ? 1 : 0)) : [-1, -1, -1])), [N, 1, 1, 3]); // [N, 1, 1, 3]
  const x = tf.add(tf.tensor4d(values(N * 11 * 11 * 3, 65), [N, 11, 11, 3]), signal) as tf.Tensor4D; // [N, 11, 11, 3]
  signal.dispose();
  const labels = tf.oneHot(tf.tensor1d(classes, 'int32'), CLASSES); // [N, CLASSES]
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, forward(net, x)) as tf.Scalar,
        Object.values(net),
      );
      for (const variable of Object.values(net)) variable.assign(tf.sub(variable, tf.mul(grads[variable.name], LR)));
      losses.push(value.dataSync()[0]);
    });
    counts.push(tf.memory().numTensors);
  }
  tf.dispose([x, labels, ...Object.values(net)]);
  return { losses, counts };
}

test('a small conv net trains on wasm: loss falls, tensors stay constant, losses equal cpu’s', async () => {
  const before = tf.memory().numTensors;
  let wasmRun: { losses: number[]; counts: number[] } | undefined;
  let cpuRun: { losses: number[]; counts: number[] } | undefined;
  await runOn('cpu', () => {
    cpuRun = train();
    return [];
  });
  await runOn('wasm', () => {
    wasmRun = train();
    return [];
  });
  assert.ok(wasmRun && cpuRun);
  const { losses, counts } = wasmRun;
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[STEPS - 1] < 0.8 * losses[0], `loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  assert.ok(counts.every((c) => c === counts[0]), `tensor count drifted across steps: ${counts}`);
  losses.forEach((l, i) => assert.ok(Math.abs(l - cpuRun!.losses[i]) <= TOL * Math.max(1, Math.abs(l)), `step ${i}: wasm ${l} vs cpu ${cpuRun!.losses[i]}`));
  assert.equal(tf.memory().numTensors, before);
});
