import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { BatchNorm2d, EfficientNetB0 } from '@disco/models';

await initBackend();

const shapeOf = (net: EfficientNetB0, name: string) => net.namedTensors().find((t) => t.name === name)?.variable.shape;

test("names and shapes follow torchvision's efficientnet_b0 state dict (NHWC/HWIO layouts)", () => {
  // torchvision: features.0.0.weight [32,3,3,3], features.1.0.block.0.0.weight [32,1,3,3] (depthwise,
  // no expand at ratio 1), features.1.0.block.1.fc1.weight [8,32,1,1], features.2.0.block.0.0.weight
  // [96,16,1,1], features.8.0.weight [1280,320,1,1], features.8.1.running_var [1280].
  const net = new EfficientNetB0({ width: 1, seed: 1 });
  assert.deepEqual(shapeOf(net, 'features.0.0.weight'), [3, 3, 3, 32]);
  assert.deepEqual(shapeOf(net, 'features.1.0.block.0.0.weight'), [3, 3, 32, 1]);
  assert.deepEqual(shapeOf(net, 'features.1.0.block.1.fc1.weight'), [1, 1, 32, 8]);
  assert.deepEqual(shapeOf(net, 'features.2.0.block.0.0.weight'), [1, 1, 16, 96]);
  assert.deepEqual(shapeOf(net, 'features.8.0.weight'), [1, 1, 320, 1280]);
  assert.deepEqual(shapeOf(net, 'features.8.1.running_var'), [1280]);
  assert.ok(!net.namedTensors().some((t) => t.name.startsWith('classifier')), 'no classifier');
  net.dispose();
});

test("width multipliers give torchvision's parameter counts and feature sizes", () => {
  // /usr/bin/python3: from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf;
  // e = EfficientNet(_efficientnet_conf('efficientnet_b0', width_mult=w, depth_mult=1.0)[0], 0.2);
  // sum(p.numel() for p in e.features.parameters()), e.features[-1].out_channels
  for (const [width, parameters, featureDim] of [[0.25, 325_746, 320], [0.5, 1_071_522, 640], [0.75, 2_371_440, 960]]) {
    const net = new EfficientNetB0({ width, seed: 1 });
    assert.equal(net.parameterCount(), parameters, `width ${width}`);
    assert.equal(net.featureDim, featureDim, `width ${width}`);
    net.dispose();
  }
});

test("every BatchNorm has PyTorch's default eps 1e-5 and momentum 0.1 (torchvision 0.14's B0)", () => {
  const net = new EfficientNetB0({ width: 0.25, seed: 1 });
  const bns = net.namedModules().filter(({ module }) => module instanceof BatchNorm2d);
  assert.equal(bns.length, 1 + 2 + 3 * 15 + 1, 'stem + 2 in the ratio-1 block + 3 in each of 15 blocks + head conv');
  for (const { name, module } of bns) {
    const bn = module as BatchNorm2d;
    assert.deepEqual([bn.eps, bn.momentum], [1e-5, 0.1], name);
  }
  net.dispose();
});

test('maps [N, 32, 32, 3] to [N, featureDim] in train, batch and eval mode without leaking tensors', () => {
  const net = new EfficientNetB0({ width: 0.25, seed: 1 });
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
