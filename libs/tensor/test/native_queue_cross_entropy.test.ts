/**
 * `queueCrossEntropy` (InfoNCE against a queue; SEED's soft cross-entropy) on the native
 * backend — one libtorch call each way — against the tfjs ops it replaces on cpu: the loss, the
 * probabilities and the gradients of q, the positives and the queue, with one-hot and with soft
 * targets, at small K and at K = 65,536 (the paper's queue). Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { queueCrossEntropy } from '@disco/tensor';
import { assertSameOnNative, isNativeKernel, nativeSuite, values } from './native_compare.ts';

const unit = (n: number, d: number, seed: number) =>
  tf.tidy(() => {
    const g = tf.tensor2d(values(n * d, seed), [n, d]); // [n, d]
    return tf.div(g, tf.norm(g, 2, 1, true)) as tf.Tensor2D; // [n, d], rows of norm 1
  });

function both(n: number, d: number, k: number, T: number, soft: boolean): () => tf.Tensor[] {
  return () => {
    const [q, pos, queue] = [unit(n, d, 1), unit(n, d, 2), unit(k, d, 3)]; // [N, D], [N, D], [K, D]
    const targets = soft ? tf.softmax(tf.mul(tf.tensor2d(values(n * (k + 1), 4), [n, k + 1]), 3)) : undefined; // [N, 1+K]
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => queueCrossEntropy(a, b, c, T, targets).loss;
    const { loss, probs } = queueCrossEntropy(q, pos, queue, T, targets);
    return [loss, probs, ...tf.grads(f)([q, pos, queue])]; // [], [N, 1+K], dq, dpos, dqueue
  };
}

await nativeSuite('queue cross-entropy', () => {
  test('DiscoQueueCrossEntropy and its gradient are native kernels', () => {
    assert.ok(isNativeKernel('DiscoQueueCrossEntropy'));
    assert.ok(isNativeKernel('DiscoQueueCrossEntropyGrad'));
  });

  test('InfoNCE (one-hot at the positive): loss, probabilities and every gradient match cpu', async () => {
    await assertSameOnNative('N 8, D 16, K 32, T 0.2', both(8, 16, 32, 0.2, false));
    await assertSameOnNative('N 5, D 7, K 10, T 0.07', both(5, 7, 10, 0.07, false));
  });

  test('soft targets (SEED): loss, probabilities and every gradient match cpu', async () => {
    await assertSameOnNative('N 6, D 8, K 24, T 0.2', both(6, 8, 24, 0.2, true));
  });

  test('at the paper’s K = 65,536 the loss and dq match cpu', async () => {
    await assertSameOnNative('N 16, D 128, K 65536', () => {
      const [q, pos, queue] = [unit(16, 128, 5), unit(16, 128, 6), unit(65536, 128, 7)];
      const f = (a: tf.Tensor) => queueCrossEntropy(a, pos, queue, 0.2).loss;
      return [f(q), tf.grad(f)(q)]; // [], [N, D]
    });
  });

  test('shapes that do not fit are refused, naming them', () => {
    tf.tidy(() => assert.throws(() => queueCrossEntropy(tf.zeros([4, 8]), tf.zeros([4, 7]), tf.zeros([16, 8]), 0.2), /pos \[4,7\]/));
  });
});
