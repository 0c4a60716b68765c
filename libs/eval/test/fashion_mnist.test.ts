/**
 * Real data: Fashion-MNIST (Debian's dataset-fashion-mnist, t10k split) read by @disco/augment's
 * IDX reader, raw pixels as the "features", kNN and linear probe compared with PyTorch values
 * made by test/reference/fmnist_pixels_reference.py (train = images 0..2999, test = 9000..9999).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { openIdxDir } from '@disco/augment';
import { batchesFromDataset, extractFeatures, knnClassify, linearProbe } from '@disco/eval';

await initBackend();

const ref = JSON.parse(readFileSync(new URL('./fixtures/knn/fmnist_pixels.json', import.meta.url), 'utf8'));
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
/** Channel 0 of the model input, flattened: with mean 0 and std 1 that is pixels / 255. */
const pixels = { features: (x: tf.Tensor) => tf.tidy(() => tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), [x.shape[0], -1])) };

test('Fashion-MNIST pixels: kNN and linear probe match PyTorch', async (t) => {
  const ds = await openIdxDir('/usr/share/datasets/fashion-mnist', 't10k');
  const plain = { mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const before = tf.memory().numTensors;
  const train = await extractFeatures(pixels, batchesFromDataset(ds, { indices: range(...(ref.data.train as [number, number])) }), plain);
  const testSet = await extractFeatures(pixels, batchesFromDataset(ds, { indices: range(...(ref.data.test as [number, number])) }), plain);
  assert.equal(train.dim, 784);

  const knn = await knnClassify(train, testSet, { k: ref.knn.k, T: ref.knn.T });
  const agree = knn.predictions.filter((p, i) => p === ref.knn.predictions[i]).length / testSet.n;
  assert.ok(agree >= 0.995, `kNN predictions agree with PyTorch on ${agree}`);
  assert.ok(Math.abs(knn.top1 - ref.knn.top1) <= 0.005, `kNN top1 ${knn.top1} vs PyTorch ${ref.knn.top1}`);
  assert.ok(Math.abs(knn.top5 - ref.knn.top5) <= 0.005, `kNN top5 ${knn.top5} vs PyTorch ${ref.knn.top5}`);

  // Same protocol, different random streams: the accuracies must agree within 2 points.
  const lin = await linearProbe(train, testSet, { epochs: ref.linear.epochs, lr: ref.linear.lr, batchSize: ref.linear.batch_size });
  assert.ok(Math.abs(lin.top1 - ref.linear.top1) <= 0.02, `linear top1 ${lin.top1} vs PyTorch ${ref.linear.top1}`);
  assert.ok(Math.abs(lin.top5 - ref.linear.top5) <= 0.02, `linear top5 ${lin.top5} vs PyTorch ${ref.linear.top5}`);
  assert.equal(tf.memory().numTensors, before);
  t.diagnostic(`fmnist pixels: knn top1 ${knn.top1} (torch ${ref.knn.top1}, agreement ${agree}); linear top1 ${lin.top1} (torch ${ref.linear.top1})`);
});
