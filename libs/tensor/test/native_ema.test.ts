/**
 * `emaUpdate` (the key encoder's momentum update m·key + (1−m)·query): on 'native' its one-pass
 * kernel against the cpu backend's three tfjs ops — equal to the last bit for a conv filter and
 * a long vector at MoCo's m = 0.999 and 0.99; one kernel, nothing leaked; a shape mismatch is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { emaUpdate } from '@disco/tensor';
import { nativeSuite, runOn, values } from './native_compare.ts';

const rand = (shape: number[], seed: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);

await nativeSuite('emaUpdate', () => {
  test('equals the composed update on cpu bit for bit', async () => {
    for (const shape of [[3, 3, 16, 32], [70001]]) {
      for (const m of [0.999, 0.99]) {
        const f = () => [emaUpdate(rand(shape, 80), rand(shape, 81), m)];
        const [want] = await runOn('cpu', f);
        const [got] = await runOn('native', f);
        const differing = want.reduce((n, w, j) => n + (w === got[j] ? 0 : 1), 0);
        assert.equal(differing, 0, `shape ${shape}, m ${m}: ${differing} of ${want.length} values differ`);
      }
    }
  });

  test('on native it is one kernel, and nothing leaks; mismatched shapes are refused', async () => {
    assert.ok(await tf.setBackend('native'));
    const [k, q] = [rand([5, 7], 82), rand([5, 7], 83)];
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => emaUpdate(k, q, 0.999));
    assert.deepEqual(profile.kernelNames, ['DiscoEma']);
    tf.dispose(profile.result as tf.Tensor);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => emaUpdate(k, rand([7, 5], 84), 0.9), /key float32 \[5,7\] and query float32 \[7,5\]/);
    tf.dispose([k, q]);
  });
});
