import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { Encoder, ProjectionHead, ResNet, toModelInput } from '@disco/models';
import {
  batchesFromArrays,
  batchesFromDataset,
  extractFeatures,
  selectImages,
  EvalInputError,
  type LabelledImageBatch,
} from '@disco/eval';
import { seededRandom } from '../src/rng.ts';

await initBackend();

function randomImages(n: number, h: number, w: number, c: number, seed: number): LabelledImageBatch {
  const rand = seededRandom(seed);
  const images = Uint8Array.from({ length: n * h * w * c }, () => Math.floor(rand() * 256));
  return { images, shape: [n, h, w, c], labels: Array.from({ length: n }, (_, i) => i % 4) };
}

function smallEncoder(): Encoder {
  const backbone = new ResNet({ depth: 18, stem: 'cifar', baseWidth: 4, seed: 3 });
  return new Encoder(backbone, new ProjectionHead({ inFeatures: backbone.featureDim, hidden: 16, outFeatures: 8, seed: 4 }));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('extractFeatures equals the backbone on normalised input, in any batch size, leaking nothing', async () => {
  const enc = smallEncoder();
  const data = randomImages(10, 16, 16, 3, 1);
  const before = tf.memory().numTensors;
  const a = await extractFeatures(enc, batchesFromArrays(data.images, data.shape, data.labels, 4));
  const b = await extractFeatures(enc, [data], { batchSize: 3 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(a.n, 10);
  assert.equal(a.dim, enc.backbone.featureDim);
  assert.deepEqual([...a.labels], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  const direct = tf.tidy(() => enc.features(toModelInput(data.images, data.shape), { bn: 'eval' }));
  const want = (await direct.data()) as Float32Array;
  direct.dispose();
  assert.ok(maxAbsDiff(a.features, want) < 1e-5);
  assert.ok(maxAbsDiff(b.features, want) < 1e-5);
  enc.dispose();
});

test('grey images give the same features as their RGB replicas; resizing feeds the right size', async () => {
  const enc = smallEncoder();
  const grey = randomImages(3, 8, 8, 1, 2);
  const rgb = { ...grey, images: Uint8Array.from({ length: grey.images.length * 3 }, (_, i) => grey.images[Math.floor(i / 3)]), shape: [3, 8, 8, 3] as const };
  const before = tf.memory().numTensors;
  const g = await extractFeatures(enc, [grey]);
  const c = await extractFeatures(enc, [rgb]);
  assert.ok(maxAbsDiff(g.features, c.features) < 1e-6);
  const seen: number[][] = [];
  const spy = { features: (x: tf.Tensor) => (seen.push(x.shape), enc.features(x, { bn: 'eval' })) };
  await extractFeatures(spy, [grey], { size: [12, 10] });
  assert.deepEqual(seen, [[3, 12, 10, 3]]);
  assert.equal(tf.memory().numTensors, before);
  enc.dispose();
});

test('bad batches and encoders are rejected with the reason', async () => {
  const enc = smallEncoder();
  const good = randomImages(2, 8, 8, 3, 5);
  await assert.rejects(extractFeatures(enc, [{ ...good, shape: [2, 8, 8, 4] }]), /4 channels/);
  await assert.rejects(extractFeatures(enc, [{ ...good, labels: [1] }]), /1 labels for 2 images/);
  await assert.rejects(extractFeatures(enc, [{ ...good, images: good.images.subarray(1) }]), EvalInputError);
  await assert.rejects(extractFeatures(enc, []), /no images/);
  const before = tf.memory().numTensors;
  await assert.rejects(extractFeatures({ features: (x) => tf.reshape(x, [-1]) }, [good]), /gave shape \[384\]/);
  assert.equal(tf.memory().numTensors, before);
  enc.dispose();
});

test('batchesFromDataset and selectImages keep images, labels and order', async () => {
  const data = randomImages(7, 4, 4, 1, 6);
  const per = 16;
  const dataset = {
    length: 7,
    read: async (i: number) => ({ kind: 'pixels', name: `img#${i}`, width: 4, height: 4, channels: 1 as const, pixels: data.images.subarray(i * per, (i + 1) * per), label: data.labels[i] }),
  };
  const batches = [];
  for await (const b of batchesFromDataset(dataset, { batchSize: 3, indices: [6, 0, 2, 5] })) batches.push(b);
  assert.deepEqual(batches.map((b) => b.shape), [[3, 4, 4, 1], [1, 4, 4, 1]]);
  const picked = selectImages(data, [6, 0, 2, 5]);
  assert.deepEqual([...batches[0].images, ...batches[1].images], [...picked.images]);
  assert.deepEqual([...Array.from(batches[0].labels), ...Array.from(batches[1].labels)], [2, 0, 2, 1]);
  const encoded = { length: 1, read: async () => ({ kind: 'encoded', name: 'a.png' }) };
  await assert.rejects(batchesFromDataset(encoded).next(), /a\.png: not a raw-pixel item/);
});
