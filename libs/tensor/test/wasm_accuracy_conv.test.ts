/**
 * Conv2DBackpropFilter on wasm cuts the batch into chunks (`src/wasm/kernels/Conv2DBackpropFilter.ts`)
 * so XNNPACK's float32 GEMM never adds more than ~max(1024, 4·OH·OW) products in one running
 * total. Checked here: ragged chunks give the cpu backend's gradient (tolerance TOL) over strides,
 * paddings and filter sizes; against a float64 reference on [64,32,32,8] 3×3 (65,536 products per
 * tap) the chunked kernel is within 3e-6 of max |dW| (measured 1.1e-6) while one GEMM is not
 * (measured 9.6e-6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { imagesPerChunk } from '../src/wasm/kernels/Conv2DBackpropFilter.ts';
import { swapBatchAndChannels } from '../src/wasm/kernels/compose.ts';
import { assertSameOnBoth, runOn, setupWasm, values, weightedSum } from './wasm_compare.ts';

await setupWasm();

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function filterGrad(xShape: [number, number, number, number], wShape: [number, number, number, number], stride: number, pad: Pad) {
  return () => {
    const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b), 11), xShape); // [N, H, W, Ci]
    const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b), 12), wShape); // [fh, fw, Ci, Co]
    return [tf.grad((ww: tf.Tensor) => weightedSum(tf.conv2d(x, ww as tf.Tensor4D, stride, pad)))(w)]; // [dW]
  };
}

test('chunked filter gradients (ragged last chunk) match cpu over strides, paddings and filter sizes', async () => {
  assert.equal(imagesPerChunk(16, 16), 4, '16×16 outputs: chunks of 4 images, so a batch of 10 is cut 4 + 4 + 2');
  const cases: [[number, number, number, number], [number, number, number, number], number, Pad][] = [
    [[10, 16, 16, 3], [3, 3, 3, 5], 1, 'same'],
    [[10, 32, 32, 2], [3, 3, 2, 4], 2, 'same'],
    [[10, 18, 18, 3], [3, 3, 3, 4], 1, 'valid'],
    [[10, 16, 16, 3], [1, 1, 3, 4], 1, 'valid'],
    [[10, 17, 16, 2], [2, 4, 2, 3], 1, [[0, 0], [1, 2], [2, 1], [0, 0]]],
    [[9, 31, 33, 2], [5, 5, 2, 3], 2, 'same'],
  ];
  for (const [xs, ws, stride, pad] of cases) {
    await assertSameOnBoth(`x [${xs}] w [${ws}] stride ${stride} pad ${JSON.stringify(pad)}`, filterGrad(xs, ws, stride, pad));
  }
});

test('65,536 products per tap: chunked dW within 3e-6 of float64, one float32 GEMM is not', async (t) => {
  const [n, h, w, ci, co] = [64, 32, 32, 8, 8];
  const xv = values(n * h * w * ci, 13).map((v) => (v + 1) / 2); // post-ReLU-like, in [0, 1)
  const dyv = values(n * h * w * co, 14);
  const exact = new Float64Array(9 * ci * co); // 3×3 'same', stride 1
  for (let b = 0; b < n; b++) for (let oy = 0; oy < h; oy++) for (let ox = 0; ox < w; ox++) {
    const dyo = ((b * h + oy) * w + ox) * co;
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = oy + ky - 1;
      const ix = ox + kx - 1;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const xo = ((b * h + iy) * w + ix) * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) exact[((ky * 3 + kx) * ci + i) * co + o] += xv[xo + i] * dyv[dyo + o];
    }
  }
  const maxExact = exact.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const err = (got: Float32Array) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i])), 0) / maxExact;
  const [chunked, oneGemm] = await runOn('wasm', () => {
    const x = tf.tensor4d(xv, [n, h, w, ci]); // [N, H, W, Ci]
    const dy = tf.tensor4d(dyv, [n, h, w, co]); // [N, OH, OW, Co]
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, ci, co] };
    const viaKernel = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor; // [3, 3, Ci, Co]
    // The whole batch in one convolution (the kernel before chunking).
    const g = tf.conv2d(swapBatchAndChannels(x), tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]); // [Ci, 3, 3, Co]
    return [viaKernel, tf.transpose(g, [1, 2, 0, 3])]; // [3, 3, Ci, Co] each
  });
  t.diagnostic(`max |dW − float64| / max |dW|: chunked ${err(chunked).toExponential(2)}, one GEMM ${err(oneGemm).toExponential(2)}`);
  assert.ok(err(chunked) <= 3e-6, `chunked dW off by ${err(chunked).toExponential(2)}`);
  assert.ok(err(oneGemm) > 3e-6, `one GEMM was expected to be off by > 3e-6, got ${err(oneGemm).toExponential(2)}`);
});

test('the chunked kernel leaves no tensors and no bytes behind', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const x = tf.tensor4d(values(10 * 16 * 16 * 3, 15), [10, 16, 16, 3]); // [10, 16, 16, 3]
  const dy = tf.tensor4d(values(10 * 16 * 16 * 4, 16), [10, 16, 16, 4]); // [10, 16, 16, 4]
  const before = tf.memory();
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 3, 4] };
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor; // [3, 3, 3, 4]
  assert.deepEqual(dw.shape, [3, 3, 3, 4]);
  dw.dispose();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  tf.dispose([x, dy]);
});
