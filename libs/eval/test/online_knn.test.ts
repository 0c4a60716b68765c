import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { Encoder, ProjectionHead, ResNet } from '@disco/models';
import { OnlineKnn, type LabelledImageBatch } from '@disco/eval';

await initBackend();

/** Class c: images of constant grey level 40 + 60·c with a little noise; well separated. */
function greyLevels(perClass: number, seed: number): LabelledImageBatch {
  const C = 4;
  const n = perClass * C;
  const images = new Uint8Array(n * 8 * 8);
  const labels: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    const c = i % C;
    labels.push(c);
    for (let p = 0; p < 64; p++) {
      s = (s * 1103515245 + 12345) >>> 0;
      images[i * 64 + p] = 40 + 60 * c + ((s >>> 16) % 7);
    }
  }
  return { images, shape: [n, 8, 8, 1], labels };
}

test('online kNN separates an easy image set with the raw-pixel features, and leaks nothing', async () => {
  const monitor = new OnlineKnn(greyLevels(10, 1), greyLevels(5, 2));
  const before = tf.memory().numTensors;
  const r = await monitor.evaluate((x) => tf.reshape(x, [x.shape[0], -1]));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.top1, 1);
  assert.deepEqual({ k: r.k, T: r.T, n_train: r.n_train, n_test: r.n_test }, { k: 20, T: 0.1, n_train: 40, n_test: 20 });
  assert.ok(r.seconds >= 0);
});

test('online kNN runs an Encoder in eval mode without changing its BatchNorm statistics', async () => {
  const backbone = new ResNet({ depth: 18, stem: 'cifar', baseWidth: 4, seed: 5 });
  const enc = new Encoder(backbone, new ProjectionHead({ inFeatures: backbone.featureDim, hidden: 8, outFeatures: 4, seed: 6 }));
  const stats = () => enc.namedTensors().filter((t) => t.kind === 'buffer').map((t) => Array.from(t.variable.dataSync()));
  const was = stats();
  const monitor = new OnlineKnn(greyLevels(4, 3), greyLevels(2, 4), { k: 5, size: 16 });
  const before = tf.memory().numTensors;
  const r = await monitor.evaluate(enc);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(r.top1 >= 0 && r.top1 <= 1 && r.top5 >= r.top1);
  assert.deepEqual(stats(), was);
  enc.dispose();
});

test('OnlineKnn.due fires every N epochs and at the last one', () => {
  const fired = Array.from({ length: 14 }, (_, e) => e).filter((e) => OnlineKnn.due(e, 5, 12));
  assert.deepEqual(fired, [5, 10, 12]);
  assert.throws(() => OnlineKnn.due(1, 0, 10), /every=0/);
});
