import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { MODEL_NAMES, UnknownModelError, createBackbone, createEncoder, listModels, modelInfo } from '@disco/models';

await initBackend();

test('listModels() gives name, family, featureDim and parameter count for every model', () => {
  const models = listModels();
  assert.deepEqual(models.map((m) => m.name), [...MODEL_NAMES]);
  for (const name of ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnet18-cifar', 'resnet34-cifar', 'mobilenetv3-large', 'efficientnet-b0']) {
    assert.ok(MODEL_NAMES.includes(name), name);
  }
  for (const m of models) {
    assert.ok(['resnet', 'mobilenetv3', 'efficientnet'].includes(m.family), m.name);
    assert.ok(Number.isInteger(m.parameters) && m.parameters > 1e6, m.name);
    assert.ok([512, 1280, 2048].includes(m.featureDim), m.name);
    assert.equal(typeof (m as unknown as Record<string, unknown>).build, 'undefined', 'no factory leaks into the JSON');
  }
  assert.deepEqual(JSON.parse(JSON.stringify(models)), models);
  assert.equal(modelInfo('efficientnet-b0').featureDim, 1280);
});

test('an unknown model name is an UnknownModelError naming it and the valid names', () => {
  for (const call of [() => createBackbone('resnet19', { seed: 1 }), () => modelInfo('resnet19'), () => createEncoder('resnet19', { seed: 1, headHidden: 8, embedDim: 4 })]) {
    assert.throws(call, (err: unknown) => {
      assert.ok(err instanceof UnknownModelError);
      assert.match(err.message, /unknown model 'resnet19'/);
      for (const name of MODEL_NAMES) assert.ok(err.message.includes(name), `message lists ${name}`);
      return true;
    });
  }
});

test('a width that gives no whole number of channels is a RangeError naming it', () => {
  assert.throws(() => createBackbone('resnet18-cifar', { width: 0.1, seed: 1 }), /width 0\.1 gives 6\.4/);
  assert.throws(() => createBackbone('mobilenetv3-large', { width: 0, seed: 1 }), /width multiplier 0/);
  assert.throws(() => createBackbone('efficientnet-b0', { width: Number.NaN, seed: 1 }), /width multiplier NaN/);
});

test('width scales the ResNet stem: 0.25 gives 16 channels, 8·16 = 128-d features for ResNet-18', () => {
  const net = createBackbone('resnet18-cifar', { width: 0.25, seed: 1 });
  assert.equal(net.featureDim, 128);
  assert.deepEqual(net.namedTensors().find((t) => t.name === 'conv1.weight')!.variable.shape, [3, 3, 3, 16]);
  net.dispose();
});

test('createEncoder = backbone + head, seeded: same seed same weights, embeddings [N, embedDim], no leak', () => {
  const before = tf.memory().numTensors;
  const a = createEncoder('mobilenetv3-large', { width: 0.25, seed: 5, headHidden: 32, embedDim: 8 });
  const b = createEncoder('mobilenetv3-large', { width: 0.25, seed: 5, headHidden: 32, embedDim: 8 });
  assert.equal(a.embeddingDim, 8);
  assert.ok(a.namedTensors().some((t) => t.name === 'backbone.classifier.0.weight'));
  assert.ok(a.namedTensors().some((t) => t.name === 'fc.2.weight'));
  const x = tf.randomNormal([2, 32, 32, 3]); // [N, H, W, 3]
  const ya = a.forward(x, { bn: 'eval' }); // [N, 8]
  const yb = b.forward(x, { bn: 'eval' }); // [N, 8]
  const fa = a.features(x, { bn: 'eval' }); // [N, 320]
  assert.deepEqual(ya.shape, [2, 8]);
  assert.deepEqual(fa.shape, [2, 320]);
  assert.deepEqual(ya.arraySync(), yb.arraySync());
  tf.dispose([x, ya, yb, fa]);
  a.dispose();
  b.dispose();
  assert.equal(tf.memory().numTensors, before);
});
