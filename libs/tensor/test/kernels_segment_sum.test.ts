/**
 * UnsortedSegmentSum on wasm (the gradient of `gather`) against the cpu backend. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { WasmKernelError } from '@disco/tensor';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

test('gather gradients match cpu along axes 0 and 1, with repeated and unused indices', async () => {
  for (const axis of [0, 1]) {
    await assertSameOnBoth(`axis ${axis}`, () => {
      const params = tf.tensor3d(values(6 * 5 * 4, 7), [6, 5, 4]); // [6, 5, 4]
      const indices = tf.tensor1d([0, 3, 3, 1, 0], 'int32'); // [5]
      return tf.grads((p: tf.Tensor) => weightedSum(tf.gather(p, indices, axis)))([params]); // [dParams]
    });
  }
});

test('gather gradients match cpu for 2-D indices (batch shuffles of embeddings)', async () => {
  await assertSameOnBoth('2-D indices', () => {
    const params = tf.tensor2d(values(8 * 3, 8), [8, 3]); // [8, 3]
    const indices = tf.tensor2d([[7, 0, 7], [2, 2, 5]], [2, 3], 'int32'); // [2, 3]
    return tf.grads((p: tf.Tensor) => weightedSum(tf.gather(p, indices)))([params]); // [dParams]
  });
});

test('unsortedSegmentSum drops negative ids like TensorFlow and names an id past numSegments', async () => {
  await assertSameOnBoth('negative ids', () => [
    tf.unsortedSegmentSum(tf.tensor2d(values(5 * 2, 9), [5, 2]), tf.tensor1d([1, -1, 0, 1, -3], 'int32'), 3), // [3, 2]
  ]);
  assert.equal(tf.getBackend(), 'wasm');
  const x = tf.ones([3, 2]); // [3, 2]
  const ids = tf.tensor1d([0, 4, 1], 'int32'); // [3]
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.unsortedSegmentSum(x, ids, 3),
    (err: unknown) => err instanceof WasmKernelError && /segmentIds\[1\] = 4 is not in \[0, 3\)/.test(err.message),
  );
  assert.equal(tf.memory().numTensors, before, 'a failed kernel leaves no tensors behind');
  tf.dispose([x, ids]);
});
