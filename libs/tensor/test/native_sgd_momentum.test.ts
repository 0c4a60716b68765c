/**
 * `sgdMomentumStep` (one momentum-SGD update): on 'native' its one-pass kernel against the cpu
 * backend, where the same call is five tfjs ops — equal to the last bit, with and without
 * weight decay, for a conv-filter and a vector shape; one kernel, nothing leaked; a shape
 * mismatch is refused naming the three shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { sgdMomentumStep } from '@disco/tensor';
import { nativeSuite, runOn, values } from './native_compare.ts';

const rand = (shape: number[], seed: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);

await nativeSuite('sgdMomentumStep', () => {
  test('equals the composed update on cpu bit for bit', async () => {
    for (const shape of [[3, 3, 16, 32], [70001]]) {
      for (const weightDecay of [0, 1e-4]) {
        const f = () => {
          const { param, buf } = sgdMomentumStep(rand(shape, 90), rand(shape, 91), rand(shape, 92), { lr: 0.03, momentum: 0.9, weightDecay });
          return [param, buf];
        };
        const want = await runOn('cpu', f);
        const got = await runOn('native', f);
        for (const i of [0, 1]) {
          const differing = want[i].reduce((n, w, j) => n + (w === got[i][j] ? 0 : 1), 0);
          assert.equal(differing, 0, `shape ${shape}, wd ${weightDecay}: ${differing} of ${want[i].length} ${i === 0 ? 'parameter' : 'buffer'} values differ`);
        }
      }
    }
  });

  test('on native it is one kernel, and nothing leaks; mismatched shapes are refused', async () => {
    assert.ok(await tf.setBackend('native'));
    const [p, g, b] = [rand([5, 7], 93), rand([5, 7], 94), rand([5, 7], 95)];
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const r = sgdMomentumStep(p, g, b, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
      return [r.param, r.buf];
    });
    assert.deepEqual(profile.kernels.map((k) => k.name), ['DiscoSgdMomentum']);
    tf.dispose(profile.result as tf.Tensor[]);
    assert.equal(tf.memory().numTensors, before);
    const wrong = rand([7, 5], 96);
    assert.throws(() => sgdMomentumStep(p, wrong, b, { lr: 0.1, momentum: 0.9, weightDecay: 0 }), /param float32 \[5,7\], grad float32 \[7,5\] and buf float32 \[5,7\]/);
    tf.dispose([p, g, b, wrong]);
  });
});
