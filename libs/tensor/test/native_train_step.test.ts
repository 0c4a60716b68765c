/**
 * A small residual conv net (conv → BatchNorm via tf.moments → ReLU → max pool → depthwise conv
 * → pointwise conv + shortcut → global mean → dense) trains with momentum SGD on the native
 * backend: the loss falls, no tensor or native buffer leaks across steps, and every step's loss
 * equals the cpu backend's (same data, same initial weights).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { NativeBackend } from '../src/native/native_backend.ts';
import { nativeSuite, TOL, values } from './native_compare.ts';

const N = 8; // batch
const CLASSES = 4;
const STEPS = 8;
const LR = 0.2;

interface Net {
  conv: tf.Variable; // [3, 3, 3, 8]
  gamma: tf.Variable; // [8]
  beta: tf.Variable; // [8]
  dw: tf.Variable; // [3, 3, 8, 2]
  pw: tf.Variable; // [1, 1, 16, 8]
  pwBias: tf.Variable; // [8]
  dense: tf.Variable; // [8, CLASSES]
  bias: tf.Variable; // [CLASSES]
}

function makeNet(): Net {
  const v = (shape: number[], seed: number, scale: number) => tf.variable(tf.mul(tf.tensor(values(shape.reduce((a, b) => a * b), seed), shape), scale));
  return {
    conv: v([3, 3, 3, 8], 61, 0.3),
    gamma: tf.variable(tf.ones([8])),
    beta: tf.variable(tf.zeros([8])),
    dw: v([3, 3, 8, 2], 62, 0.3),
    pw: v([1, 1, 16, 8], 63, 0.3),
    pwBias: tf.variable(tf.zeros([8])),
    dense: v([8, CLASSES], 64, 0.3),
    bias: tf.variable(tf.zeros([CLASSES])),
  };
}

function forward(net: Net, x: tf.Tensor4D): tf.Tensor2D {
  const h1 = tf.conv2d(x, net.conv as tf.Tensor4D, 1, 1); // [N, 12, 12, 8]
  const { mean, variance } = tf.moments(h1, [0, 1, 2]); // [8], [8]
  const bn = tf.relu(tf.batchNorm(h1, mean, variance, net.beta, net.gamma, 1e-5)); // [N, 12, 12, 8]
  const pooled = tf.maxPool(bn as tf.Tensor4D, 3, 2, 1); // [N, 6, 6, 8]
  const h2 = tf.depthwiseConv2d(pooled, net.dw as tf.Tensor4D, 1, 'same'); // [N, 6, 6, 16]
  const h3 = tf.relu6(tf.add(tf.add(tf.conv2d(h2, net.pw as tf.Tensor4D, 1, 'valid'), net.pwBias), pooled)); // [N, 6, 6, 8] with shortcut
  const features = tf.mean(h3, [1, 2]) as tf.Tensor2D; // [N, 8]
  return tf.add(tf.matMul(features, net.dense as tf.Tensor2D), net.bias); // [N, CLASSES]
}

/** Trains STEPS momentum-SGD steps; returns each step's loss and the tensor count after each step. */
function train(): { losses: number[]; counts: number[] } {
  const net = tf.tidy(() => makeNet() as unknown as tf.TensorContainer) as unknown as Net; // variables survive the tidy; their initial values do not
  const velocity = tf.tidy(() => Object.values(net).map((p) => tf.variable(tf.zerosLike(p), false))); // [same as p] each
  const classes = [0, 1, 2, 3, 3, 2, 1, 0];
  // Noise plus a class signal: classes 0–2 brighten one channel, class 3 darkens all three.
  const x = tf.tidy(() => {
    const signal = tf.tensor4d(classes.flatMap((k) => (k < 3 ? [0, 1, 2].map((ch) => (ch === k ? 1 : 0)) : [-1, -1, -1])), [N, 1, 1, 3]); // [N, 1, 1, 3]
    return tf.add(tf.tensor4d(values(N * 12 * 12 * 3, 65), [N, 12, 12, 3]), signal) as tf.Tensor4D; // [N, 12, 12, 3]
  });
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(classes, 'int32'), CLASSES)); // [N, CLASSES]
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    tf.tidy(() => {
      const params = Object.values(net);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, forward(net, x)) as tf.Scalar, params);
      params.forEach((p, i) => {
        velocity[i].assign(tf.add(tf.mul(velocity[i], 0.9), grads[p.name])); // v ← μv + g
        p.assign(tf.sub(p, tf.mul(velocity[i], LR))); // w ← w − lr·v
      });
      losses.push(value.dataSync()[0]);
    });
    counts.push(tf.memory().numTensors);
  }
  tf.dispose([x, labels, ...Object.values(net), ...velocity]);
  return { losses, counts };
}

await nativeSuite('train step', () => {
  test('a small residual conv net trains on native: loss falls, nothing leaks, losses equal cpu’s', async () => {
    assert.ok(await tf.setBackend('cpu'));
    const cpuRun = train();
    assert.ok(await tf.setBackend('native'));
    const backend = tf.backend() as NativeBackend;
    const lentBefore = backend.lentBuffers();
    const before = tf.memory().numTensors;
    const { losses, counts } = train();
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[STEPS - 1] < 0.8 * losses[0], `loss did not fall: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    assert.ok(counts.every((c) => c === counts[0]), `tensor count drifted across steps: ${counts}`);
    losses.forEach((l, i) => assert.ok(Math.abs(l - cpuRun.losses[i]) <= TOL * Math.max(1, Math.abs(l)), `step ${i}: native ${l} vs cpu ${cpuRun.losses[i]}`));
    assert.equal(tf.memory().numTensors, before);
    assert.equal(backend.lentBuffers(), lentBefore, 'native buffers still lent after every tensor was disposed');
  });
});
