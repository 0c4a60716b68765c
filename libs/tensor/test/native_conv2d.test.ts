/**
 * Conv2D, FusedConv2D and both backprops on the native backend against cpu: forward values and
 * `tf.grads` of `tf.conv2d` (dx and dW) over strides 1–3, same/valid/explicit padding, odd and
 * even sizes, filter shapes, dilation, unequal strides. Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameOnNative, isNativeKernel, nativeSuite, values, weightedSum } from './native_compare.ts';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [[0, 0], [1, 2], [2, 0], [0, 0]],
  [[0, 0], [3, 0], [0, 3], [0, 0]], // more padding than the filter reaches on one side
];

const rand4 = (shape: number[], seed: number) => tf.tensor4d(values(shape.reduce((a, b) => a * b), seed), shape as [number, number, number, number]);

function convAll(xShape: number[], wShape: number[], stride: number | [number, number], pad: Pad, dilation: number | [number, number] = 1): () => tf.Tensor[] {
  return () => {
    const x = rand4(xShape, 1); // [N, H, W, Ci]
    const w = rand4(wShape, 2); // [fh, fw, Ci, Co]
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.conv2d(xx, ww, stride, pad, 'NHWC', dilation);
    if (dilation !== 1) return [f(x, w)]; // tfjs has no gradient for dilated conv2d
    const loss = (xx: tf.Tensor, ww: tf.Tensor) => weightedSum(f(xx as tf.Tensor4D, ww as tf.Tensor4D));
    return [f(x, w), ...tf.grads(loss)([x, w])]; // [y, dx, dW]
  };
}

await nativeSuite('conv2d', () => {
  test('Conv2D and its backprops are native kernels', () => {
    for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) assert.ok(isNativeKernel(k), k);
  });

  test('conv2d forward, dx and dW match cpu over strides 1–3, same/valid/numeric/explicit padding, odd and even sizes', async () => {
    let cases = 0;
    for (const stride of [1, 2, 3]) {
      for (const [h, w] of [[7, 8], [8, 9], [9, 7]]) {
        for (const pad of PADS) {
          for (const fsize of [[1, 1], [3, 3], [2, 4]]) {
            if (pad === 1 && fsize[0] < 2) continue;
            const label = `stride ${stride} size ${h}×${w} pad ${JSON.stringify(pad)} filter ${fsize}`;
            await assertSameOnNative(label, convAll([2, h, w, 3], [fsize[0], fsize[1], 3, 4], stride, pad));
            cases++;
          }
        }
      }
    }
    assert.equal(cases, 126);
  });

  test('unequal strides, dilation, 5×5 filters and ResNet-sized channels match cpu', async () => {
    await assertSameOnNative('stride [1, 2]', convAll([3, 10, 11, 8], [3, 3, 8, 5], [1, 2], 'same'));
    await assertSameOnNative('stride [3, 1]', convAll([3, 10, 11, 8], [3, 3, 8, 5], [3, 1], 'valid'));
    await assertSameOnNative('5×5 stride 2', convAll([2, 16, 16, 16], [5, 5, 16, 32], 2, 'same'));
    await assertSameOnNative('dilation 2 same (forward)', convAll([2, 11, 10, 4], [3, 3, 4, 6], 1, 'same', 2));
    await assertSameOnNative('dilation [2, 3] valid (forward)', convAll([2, 12, 13, 4], [3, 2, 4, 6], 1, 'valid', [2, 3]));
    await assertSameOnNative('ResNet 3×3 s2 pad 1, 32→64', convAll([4, 16, 16, 32], [3, 3, 32, 64], 2, 1));
    await assertSameOnNative('ResNet 1×1 s2 shortcut', convAll([4, 16, 16, 32], [1, 1, 32, 64], 2, 0));
    await assertSameOnNative('one input channel', convAll([2, 9, 9, 1], [3, 3, 1, 4], 1, 'same'));
  });

  test('fused conv2d (bias, every activation) and its gradients match cpu', async () => {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
      await assertSameOnNative(`fused ${activation}`, () => {
        const x = rand4([2, 9, 8, 3], 3); // [2, 9, 8, 3]
        const w = rand4([3, 3, 3, 5], 4); // [3, 3, 3, 5]
        const bias = tf.tensor1d(values(5, 5)); // [5]
        const alpha = tf.mul(tf.tensor1d(values(5, 6)), 0.5); // [5]
        const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: 2, pad: 'same', bias: bb, activation,
            preluActivationWeights: activation === 'prelu' ? alpha : undefined, leakyreluAlpha: 0.3 });
        return [f(x, w, bias), ...tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => weightedSum(f(a, b, c)))([x, w, bias])]; // [y, dx, dW, db]
      });
    }
  });

  test('conv2dTranspose (Conv2DBackpropInput as a forward op) matches cpu', async () => {
    await assertSameOnNative('transpose s2 same', () => {
      const x = rand4([2, 5, 6, 4], 7); // [2, 5, 6, 4]
      const w = rand4([3, 3, 3, 4], 8); // [3, 3, Co=3, Ci=4]
      return [tf.conv2dTranspose(x, w, [2, 10, 12, 3], 2, 'same')]; // [2, 10, 12, 3]
    });
  });

  test('an NCHW conv falls back to the cpu kernel and still matches', async () => {
    await assertSameOnNative('NCHW', () => {
      const x = rand4([2, 3, 7, 8], 9); // [N, C, H, W]
      const w = rand4([3, 3, 3, 4], 10); // [3, 3, 3, 4]
      return [tf.conv2d(x, w, 1, 'same', 'NCHW')]; // [2, 4, 7, 8]
    });
  });
});
