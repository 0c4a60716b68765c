/**
 * DepthwiseConv2dNative, FusedDepthwiseConv2D and both backprops on the native backend against
 * cpu: forward values and `tf.grads` of `tf.depthwiseConv2d` (dx and dW) over strides 1–3,
 * paddings, odd/even sizes, channel multipliers 1 and 2. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameOnNative, isNativeKernel, nativeSuite, values, weightedSum } from './native_compare.ts';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
const PADS: Pad[] = ['same', 'valid', [[0, 0], [1, 2], [2, 0], [0, 0]], [[0, 0], [0, 3], [3, 1], [0, 0]]];

const rand4 = (shape: number[], seed: number) => tf.tensor4d(values(shape.reduce((a, b) => a * b), seed), shape as [number, number, number, number]);

function dwAll(xShape: number[], wShape: number[], stride: number | [number, number], pad: Pad): () => tf.Tensor[] {
  return () => {
    const x = rand4(xShape, 5); // [N, H, W, C]
    const w = rand4(wShape, 6); // [fh, fw, C, M]
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad);
    return [f(x, w), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => weightedSum(f(a, b)))([x, w])]; // [y, dx, dW]
  };
}

await nativeSuite('depthwise', () => {
  test('the depthwise kernels are native', () => {
    for (const k of ['DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      assert.ok(isNativeKernel(k), k);
    }
  });

  test('depthwise forward, dx and dW match cpu over strides 1–3, paddings, odd/even sizes, multipliers 1 and 2', async () => {
    let cases = 0;
    for (const stride of [1, 2, 3]) {
      for (const [h, w] of [[7, 8], [8, 9], [9, 7]]) {
        for (const pad of PADS) {
          for (const m of [1, 2]) {
            for (const fsize of [[3, 3], [1, 2]]) {
              const label = `stride ${stride} size ${h}×${w} pad ${JSON.stringify(pad)} M ${m} filter ${fsize}`;
              await assertSameOnNative(label, dwAll([2, h, w, 3], [fsize[0], fsize[1], 3, m], stride, pad));
              cases++;
            }
          }
        }
      }
    }
    assert.equal(cases, 144);
  });

  test('MobileNet-like sizes, numeric padding and a dilated forward match cpu', async () => {
    await assertSameOnNative('5×5 s2', dwAll([4, 17, 16, 16], [5, 5, 16, 1], 2, 'same'));
    await assertSameOnNative('3×3 s[1,2] M2', dwAll([3, 12, 13, 8], [3, 3, 8, 2], [1, 2], 'valid'));
    await assertSameOnNative('3×3 s2 pad 1', dwAll([2, 12, 12, 8], [3, 3, 8, 1], 2, 1));
    await assertSameOnNative('dilation 2 (forward)', () => {
      const x = rand4([2, 11, 10, 4], 7); // [2, 11, 10, 4]
      const w = rand4([3, 3, 4, 2], 8); // [3, 3, 4, 2]
      return [tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', 2)]; // [2, 11, 10, 8]
    });
  });

  test('fused depthwise conv (bias + relu6, as in MobileNet) and its gradients match cpu', async () => {
    await assertSameOnNative('fused depthwise', () => {
      const x = rand4([2, 9, 9, 4], 9); // [2, 9, 9, 4]
      const w = rand4([3, 3, 4, 1], 10); // [3, 3, 4, 1]
      const bias = tf.tensor1d(values(4, 11)); // [4]
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.fused.depthwiseConv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 2, pad: 'same', bias: c, activation: 'relu6' });
      return [f(x, w, bias), ...tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => weightedSum(f(a, b, c)))([x, w, bias])]; // [y, dx, dW, db]
    });
  });
});
