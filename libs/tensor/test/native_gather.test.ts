/**
 * GatherV2 on the native backend (at::index_select) against cpu: float32 values along each axis
 * of a rank-4 tensor, with a permutation (the Shuffle-BN substitute's use), repeated indices and
 * a 2-D index tensor; int32 values stay on the cpu kernel; an index out of range is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { nativeFallbackCounts, resetNativeFallbackCounts } from '@disco/tensor';
import { assertSameOnNative, isNativeKernel, nativeSuite, values } from './native_compare.ts';

await nativeSuite('gather', () => {
  test('GatherV2 is a native kernel', () => assert.ok(isNativeKernel('GatherV2')));

  test('along every axis, permutations, repeats and 2-D indices match cpu, without falling back', async () => {
    resetNativeFallbackCounts();
    for (const axis of [0, 1, 2, 3]) {
      await assertSameOnNative(`axis ${axis}`, () => {
        const x = tf.tensor4d(values(4 * 5 * 6 * 3, axis + 1), [4, 5, 6, 3]); // [4, 5, 6, 3]
        const n = x.shape[axis];
        const perm = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3 + 1) % n), 'int32'); // a permutation when gcd(3, n) = 1
        return [tf.gather(x, perm, axis), tf.gather(x, tf.tensor2d([[0, n - 1], [n - 1, 0]], [2, 2], 'int32'), axis)];
      });
    }
    assert.equal(nativeFallbackCounts().get('GatherV2') ?? 0, 0);
  });

  test('int32 values go to the cpu kernel; an index out of range is refused, naming it', async () => {
    assert.ok(await tf.setBackend('native'));
    tf.tidy(() => {
      const ints = tf.gather(tf.tensor1d([5, 6, 7], 'int32'), tf.tensor1d([2, 0], 'int32'));
      assert.deepEqual(Array.from(ints.dataSync()), [7, 5]);
      assert.throws(() => tf.gather(tf.tensor1d([1, 2, 3]), tf.tensor1d([3], 'int32')).dataSync(), /index 3 is not in \[0, 2\]/);
    });
  });

  test('Relu6\'s native gradient is tfjs\'s mask 0 < x ≤ 6, exactly', async () => {
    const f = () => {
      const x = tf.tensor1d([-1, 0, 1e-8, 3, 6, 6.5, 1e9]); // [7] (at NaN tfjs's mask is NaN, ours 0: see elementwise_grads.ts)
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu6(a), tf.tensor1d([1, 2, 3, 4, 5, 6, 7]))))(x)]; // [7]
    };
    const err = await assertSameOnNative('relu6 kinks', f);
    assert.equal(err, 0);
  });
});
