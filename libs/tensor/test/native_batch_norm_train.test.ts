/**
 * `batchNormTrain` (training-mode BatchNorm as one op): on 'native' its fused kernel and
 * gradient against the cpu backend, where the same call is tf.moments + tf.batchNorm. Values
 * (y, mean, variance) and gradients for x, scale and offset — also when the loss uses the batch
 * statistics themselves. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '@disco/tensor';
import { assertSameOnNative, nativeSuite, values, weightedSum } from './native_compare.ts';

const rand = (shape: number[], seed: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);

function bnCase(shape: number[], useStats: boolean, shift: number): () => tf.Tensor[] {
  return () => {
    const c = shape[shape.length - 1];
    const x = tf.add(tf.mul(rand(shape, 80), 2), shift); // [shape], mean ≠ 0
    const scale = tf.add(rand([c], 81), 1); // [C]
    const offset = rand([c], 82); // [C]
    const f = (xx: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const { y, mean, variance } = batchNormTrain(xx, s, o, 1e-5); // [shape], [C], [C]
      const loss = weightedSum(y);
      return useStats ? tf.add(loss, tf.add(weightedSum(mean), weightedSum(variance))) : loss;
    };
    const { y, mean, variance } = batchNormTrain(x, scale, offset, 1e-5);
    return [y, mean, variance, ...tf.grads(f)([x, scale, offset])]; // [y, mean, var, dx, dscale, doffset]
  };
}

await nativeSuite('batchNormTrain', () => {
  test('values and gradients match cpu (moments + batchNorm) for conv and dense shapes', async () => {
    for (const shape of [[8, 6, 5, 4], [64, 8, 8, 16], [16, 32, 32, 8], [32, 10], [3, 1, 1, 7]]) {
      await assertSameOnNative(`shape ${shape}`, bnCase(shape, false, 0.7));
    }
  });

  test('gradients through the batch mean and variance themselves match cpu', async () => {
    await assertSameOnNative('loss uses mean and variance', bnCase([8, 6, 5, 4], true, 0.7));
    await assertSameOnNative('large mean (cancellation)', bnCase([16, 8, 8, 4], true, 100));
  });

  test('on native it is one kernel each way, and nothing leaks', async () => {
    assert.ok(await tf.setBackend('native'));
    const before = tf.memory().numTensors;
    const x = rand([4, 5, 5, 3], 83); // [4, 5, 5, 3]
    const scale = tf.ones([3]); // [3]
    const offset = tf.zeros([3]); // [3]
    const profile = await tf.profile(() => tf.grads((a: tf.Tensor) => weightedSum(batchNormTrain(a, scale, offset, 1e-5).y))([x]));
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes('DiscoBatchNormTrain') && names.includes('DiscoBatchNormTrainGrad'), names.join(' '));
    assert.ok(!names.includes('FusedBatchNorm') && !names.includes('Mean'), names.join(' '));
    tf.dispose([x, scale, offset]);
    for (const t of profile.result as tf.Tensor[]) t.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
