/**
 * Full-size backbones have torchvision 0.14's parameter counts without the final classifier.
 * The numbers were derived with Debian's python3-torchvision (0.14.1):
 *
 *   /usr/bin/python3 -c "import torchvision.models as m
 *   n = lambda mod: sum(p.numel() for p in mod.parameters())
 *   for a in ['resnet18','resnet34','resnet50','resnet101','resnet152']:
 *       r = getattr(m, a)(); print(a, n(r) - n(r.fc))
 *   v = m.mobilenet_v3_large(); print(n(v) - n(v.classifier[3]))   # keeps classifier.0 (960→1280)
 *   e = m.efficientnet_b0(); print(n(e.features))"
 *
 *   resnet18 11,689,512 − fc 513,000 = 11,176,512      resnet34 21,797,672 − 513,000 = 21,284,672
 *   resnet50 25,557,032 − fc 2,049,000 = 23,508,032    resnet101 44,549,160 − 2,049,000 = 42,500,160
 *   resnet152 60,192,808 − 2,049,000 = 58,143,808
 *   mobilenet_v3_large 5,483,032 − classifier.3 1,281,000 = 4,202,032 (features 2,971,952 + classifier.0 1,230,080)
 *   efficientnet_b0 5,288,548 − classifier 1,281,000 = 4,007,548
 *   CIFAR stem (conv1 = Conv2d(3, 64, 3, 1, 1, bias=False), maxpool and fc = Identity):
 *   resnet18 11,168,832, resnet34 21,276,992, resnet50 23,500,352 (= ImageNet − 64·3·(49 − 9)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { createBackbone, listModels } from '@disco/models';

await initBackend();

const TORCHVISION_COUNTS: Record<string, { parameters: number; featureDim: number }> = {
  resnet18: { parameters: 11_176_512, featureDim: 512 },
  resnet34: { parameters: 21_284_672, featureDim: 512 },
  resnet50: { parameters: 23_508_032, featureDim: 2048 },
  resnet101: { parameters: 42_500_160, featureDim: 2048 },
  resnet152: { parameters: 58_143_808, featureDim: 2048 },
  'resnet18-cifar': { parameters: 11_168_832, featureDim: 512 },
  'resnet34-cifar': { parameters: 21_276_992, featureDim: 512 },
  'resnet50-cifar': { parameters: 23_500_352, featureDim: 2048 },
  'mobilenetv3-large': { parameters: 4_202_032, featureDim: 1280 },
  'efficientnet-b0': { parameters: 4_007_548, featureDim: 1280 },
};

test('the registry lists exactly the models whose counts are asserted here', () => {
  assert.deepEqual(listModels().map((m) => m.name).sort(), Object.keys(TORCHVISION_COUNTS).sort());
});

for (const info of listModels()) {
  test(`${info.name} at width 1 has torchvision's parameter count and feature size`, () => {
    const expected = TORCHVISION_COUNTS[info.name];
    const before = tf.memory().numTensors;
    const net = createBackbone(info.name, { seed: 1 });
    assert.equal(net.parameterCount(), expected.parameters);
    assert.equal(net.featureDim, expected.featureDim);
    assert.equal(info.parameters, expected.parameters, 'listModels() count');
    assert.equal(info.featureDim, expected.featureDim, 'listModels() featureDim');
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}
