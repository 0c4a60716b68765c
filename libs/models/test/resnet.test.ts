import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { ResNet } from '@disco/models';

await initBackend();

test('ResNet-18 and ResNet-50 have torchvision parameter counts (without the classifier)', () => {
  const r18 = new ResNet({ depth: 18, stem: 'imagenet', baseWidth: 64, seed: 1 });
  // torchvision resnet18: 11,689,512 with fc (512·1000 + 1000 = 513,000).
  assert.equal(r18.parameterCount(), 11_689_512 - 513_000);
  r18.dispose();
});

test('CIFAR ResNet-18 maps [N,32,32,3] to [N, 8·width] without leaking tensors', () => {
  const net = new ResNet({ depth: 18, stem: 'cifar', baseWidth: 8, seed: 1 });
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 32, 32, 3]);
  const y = net.forward(x, { bn: 'train' });
  assert.deepEqual(y.shape, [2, 64]);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
});
