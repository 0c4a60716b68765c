import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { evaluateFeatures } from '@disco/eval';
import { separableSet } from './synthetic.ts';

await initBackend();

test('evaluateFeatures gives a JSON-friendly result with both protocols on a 10 % split', async () => {
  const train = separableSet(50, 4, 8, 21);
  const test = separableSet(10, 4, 8, 22);
  const before = tf.memory().numTensors;
  const r = await evaluateFeatures(train, test, { labelFraction: 0.1, splitSeed: 3, linear: { epochs: 20, batchSize: 8 } });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(r.knn, { top1: 1, top5: 1, k: 20, T: 0.1 });
  assert.equal(r.linear?.top1, 1);
  assert.equal(r.linear?.epochs, 20);
  assert.deepEqual(
    { n_train: r.n_train, n_test: r.n_test, feature_dim: r.feature_dim, num_classes: r.num_classes, label_fraction: r.label_fraction, split_seed: r.split_seed },
    { n_train: 20, n_test: 40, feature_dim: 8, num_classes: 4, label_fraction: 0.1, split_seed: 3 },
  );
  const knnOnly = await evaluateFeatures(train, test, { linear: false });
  assert.equal(knnOnly.linear, null);
  assert.equal(knnOnly.split_seed, null);
  assert.equal(knnOnly.knn?.k, 200);
});
