/**
 * DepthwiseConv2dNativeBackpropFilter / …BackpropInput on wasm against the cpu backend,
 * through `tf.grads` of `tf.depthwiseConv2d` (the training path). Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { WasmKernelError } from '@disco/tensor';
import { assertSameOnBoth, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
const PADS: Pad[] = ['same', 'valid', [[0, 0], [1, 2], [2, 0], [0, 0]], [[0, 0], [0, 3], [3, 1], [0, 0]]];

function dwGrads(xShape: number[], wShape: number[], stride: number | [number, number], pad: Pad): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b), 5), xShape as [number, number, number, number]); // [N, H, W, C]
    const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b), 6), wShape as [number, number, number, number]); // [fh, fw, C, M]
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => weightedSum(tf.depthwiseConv2d(xx, ww, stride, pad));
    return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]); // [dx, dW]
  };
}

test('depthwise gradients (dx and dW) match cpu over strides 1–3, paddings, odd/even sizes, multipliers 1 and 2', async () => {
  let cases = 0;
  for (const stride of [1, 2, 3]) {
    for (const [h, w] of [[7, 8], [8, 9], [9, 7]]) {
      for (const pad of PADS) {
        for (const m of [1, 2]) {
          for (const fsize of [[3, 3], [1, 2]]) {
            const label = `stride ${stride} size ${h}×${w} pad ${JSON.stringify(pad)} M ${m} filter ${fsize}`;
            await assertSameOnBoth(label, dwGrads([2, h, w, 3], [fsize[0], fsize[1], 3, m], stride, pad));
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 144);
});

test('depthwise gradients match cpu at a MobileNet-like size (5×5, stride 2, 16 channels, batch 4)', async () => {
  await assertSameOnBoth('5×5 s2', dwGrads([4, 17, 16, 16], [5, 5, 16, 1], 2, 'same'));
  await assertSameOnBoth('3×3 s[1,2] M2', dwGrads([3, 12, 13, 8], [3, 3, 8, 2], [1, 2], 'valid'));
});

test('dilated depthwise backprops are refused with a named error', () => {
  assert.equal(tf.getBackend(), 'wasm');
  const dy = tf.zeros([1, 4, 4, 2]); // [1, 4, 4, 2]
  const filter = tf.zeros([3, 3, 2, 1]); // [3, 3, 2, 1]
  assert.throws(
    () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, {
      strides: 1, dilations: 2, pad: 'same', inputShape: [1, 4, 4, 2],
    } as unknown as tf.NamedAttrMap),
    (err: unknown) => err instanceof WasmKernelError && /dilations \[2, 2\]/.test(err.message),
  );
  tf.dispose([dy, filter]);
});
