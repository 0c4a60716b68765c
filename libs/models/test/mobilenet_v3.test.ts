import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { BatchNorm2d, MobileNetV3Large } from '@disco/models';

await initBackend();

const shapeOf = (net: MobileNetV3Large, name: string) => net.namedTensors().find((t) => t.name === name)?.variable.shape;

test("names and shapes follow torchvision's mobilenet_v3_large state dict (NHWC/HWIO layouts)", () => {
  // torchvision: features.0.0.weight [16,3,3,3], features.1.block.0.0.weight [16,1,3,3] (depthwise),
  // features.4.block.2.fc1.weight [24,72,1,1] + bias [24], features.16.1.running_var [960],
  // classifier.0.weight [1280,960].
  const net = new MobileNetV3Large({ width: 1, seed: 1 });
  assert.deepEqual(shapeOf(net, 'features.0.0.weight'), [3, 3, 3, 16]);
  assert.deepEqual(shapeOf(net, 'features.1.block.0.0.weight'), [3, 3, 16, 1]);
  assert.deepEqual(shapeOf(net, 'features.4.block.2.fc1.weight'), [1, 1, 72, 24]);
  assert.deepEqual(shapeOf(net, 'features.4.block.2.fc1.bias'), [24]);
  assert.deepEqual(shapeOf(net, 'features.16.1.running_var'), [960]);
  assert.deepEqual(shapeOf(net, 'classifier.0.weight'), [960, 1280]);
  assert.equal(shapeOf(net, 'classifier.3.weight'), undefined, 'no 1000-way classifier');
  net.dispose();
});

test("width multipliers give torchvision's parameter counts and feature sizes", () => {
  // /usr/bin/python3: v = torchvision.models.mobilenet_v3_large(width_mult=w);
  // sum(p.numel() for p in v.parameters()) - sum(p.numel() for p in v.classifier[3].parameters()),
  // v.classifier[0].out_features
  for (const [width, parameters, featureDim] of [[0.25, 296_000, 320], [0.5, 1_093_576, 640], [0.75, 2_416_576, 960]]) {
    const net = new MobileNetV3Large({ width, seed: 1 });
    assert.equal(net.parameterCount(), parameters, `width ${width}`);
    assert.equal(net.featureDim, featureDim, `width ${width}`);
    net.dispose();
  }
});

test('every BatchNorm has eps 0.001 and momentum 0.01 like torchvision', () => {
  const net = new MobileNetV3Large({ width: 0.25, seed: 1 });
  const bns = net.namedModules().filter(({ module }) => module instanceof BatchNorm2d);
  assert.equal(bns.length, 1 + 3 * 15 - 1 + 1, 'stem + 3 per block (2 where expand is skipped) + last conv');
  for (const { name, module } of bns) {
    const bn = module as BatchNorm2d;
    assert.deepEqual([bn.eps, bn.momentum], [0.001, 0.01], name);
  }
  net.dispose();
});

test('maps [N, 32, 32, 3] to [N, featureDim] in train, batch and eval mode without leaking tensors', () => {
  const net = new MobileNetV3Large({ width: 0.25, seed: 1 });
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 32, 32, 3]); // [N, H, W, 3]
  for (const bn of ['train', 'batch', 'eval'] as const) {
    const y = net.forward(x, { bn }); // [N, 320]
    assert.deepEqual(y.shape, [2, 320]);
    assert.ok(tf.tidy(() => tf.all(tf.isFinite(y)).dataSync()[0]), bn);
    y.dispose();
  }
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
});
