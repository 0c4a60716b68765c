/**
 * Conv2DBackpropFilter and Conv2DBackpropInput on wasm against the cpu backend, through
 * `tf.grads` of `tf.conv2d` (the training path). Tolerance: TOL (wasm_compare.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from '../src/wasm/kernels/Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from '../src/wasm/kernels/Conv2DBackpropInput.ts';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
const PADS: Pad[] = [
  'same',
  'valid',
  [[0, 0], [1, 2], [2, 0], [0, 0]],
  [[0, 0], [3, 0], [0, 3], [0, 0]], // more padding than the filter reaches on one side
];

function convGrads(xShape: number[], wShape: number[], stride: number | [number, number], pad: Pad): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b), 1), xShape as [number, number, number, number]); // [N, H, W, Ci]
    const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b), 2), wShape as [number, number, number, number]); // [fh, fw, Ci, Co]
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => weightedSum(tf.conv2d(xx, ww, stride, pad));
    return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]); // [dx, dW]
  };
}

test('conv2d gradients (dx and dW) match cpu over strides 1–3, same/valid/explicit padding, odd and even sizes', async () => {
  let cases = 0;
  let worst = 0;
  for (const stride of [1, 2, 3]) {
    for (const [h, w] of [[7, 8], [8, 9], [9, 7]]) {
      for (const pad of PADS) {
        for (const fsize of [[1, 1], [3, 3], [2, 4]]) {
          const label = `stride ${stride} size ${h}×${w} pad ${JSON.stringify(pad)} filter ${fsize}`;
          worst = Math.max(worst, await assertSameOnBoth(label, convGrads([2, h, w, 3], [fsize[0], fsize[1], 3, 4], stride, pad)));
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 108);
  assert.ok(worst <= 1e-4);
});

test('conv2d gradients match cpu with unequal strides and a large batch of channels', async () => {
  await assertSameOnBoth('stride [1, 2]', convGrads([3, 10, 11, 8], [3, 3, 8, 5], [1, 2], 'same'));
  await assertSameOnBoth('stride [3, 1]', convGrads([3, 10, 11, 8], [3, 3, 8, 5], [3, 1], 'valid'));
  await assertSameOnBoth('5×5 stride 2', convGrads([2, 16, 16, 16], [5, 5, 16, 32], 2, 'same'));
});

test('the stock Conv2DBackpropInput is replaced, and the kernels leak no tensors', async () => {
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm'), conv2DBackpropInputConfig);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), conv2DBackpropFilterConfig);
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(values(2 * 8 * 8 * 3, 3), [2, 8, 8, 3]); // [2, 8, 8, 3]
  const w = tf.tensor4d(values(3 * 3 * 3 * 4, 4), [3, 3, 3, 4]); // [3, 3, 3, 4]
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
  assert.deepEqual(dx.shape, [2, 8, 8, 3]);
  assert.deepEqual(dw.shape, [3, 3, 3, 4]);
  tf.dispose([x, w, dx, dw]);
  assert.equal(tf.memory().numTensors, before);
});
