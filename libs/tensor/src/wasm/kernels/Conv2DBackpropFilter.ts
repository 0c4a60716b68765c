/**
 * Conv2DBackpropFilter for wasm (stock wasm has none), as ONE forward convolution:
 *
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − top, ow·s + kw − left, ci] · dy[n, oh, ow, co]
 *
 * is a convolution of x' = xᵀ [Ci, H, W, N] (input channels ↔ batch) with the "filter"
 * dy' = [OH, OW, N, Co], stride 1, dilation = the forward stride, whose output [Ci, fh, fw, Co]
 * transposes to the filter gradient. XNNPACK runs it as one GEMM (277 ms on [64,32,32,64] 3×3
 * against 2.8 s for im2col by slices).
 *
 * Accuracy: that GEMM adds its N·OH·OW products per tap one after another in float32, so the
 * error grows with the batch: max |Δ| / max |dW| 1.5e-5 on [64,32,32,64] 3×3 against a float64
 * reference (the cpu backend adds in doubles). The batch is therefore cut into chunks of
 * `imagesPerChunk` images (≥ 4 images, ≥ 1024 products per tap), one convolution each, copied
 * out by `copyRows` (no tfjs Slice: it copies the whole input per call); the partial gradients
 * are added in doubles by the Sum kernel (`heap_reduce.ts`). Same case: 1.7e-6, and the same
 * time (297 vs 307 ms CPU, medians of 12 interleaved runs on a shared 2-core machine).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { ensureWasmHeadroom } from '../../memory_guard.ts';
import { copyRows, rowChunks } from './batch_split.ts';
import { asTensor, assertChannelsLast, cropNegative, swapBatchAndChannels } from './compose.ts';

/** Fewest products one convolution adds per filter tap (smaller chunks cost more calls than they save). */
export const MIN_TERMS_PER_CHUNK = 1024;
/** Fewest images per chunk: they are the GEMM's inner dimension, and XNNPACK runs it 4 wide. */
export const MIN_IMAGES_PER_CHUNK = 4;

/** Images per convolution for an output of oh × ow (≥ the batch: one convolution). */
export function imagesPerChunk(oh: number, ow: number): number {
  return Math.max(MIN_IMAGES_PER_CHUNK, Math.ceil(MIN_TERMS_PER_CHUNK / (oh * ow)));
}

function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Conv2DBackpropFilterAttrs;
}): tf.Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  assertChannelsLast(Conv2DBackpropFilter, dataFormat);
  return tf.tidy(() => {
    const x = asTensor<tf.Tensor4D>(args.inputs.x); // [N, H, W, Ci]
    const dy = asTensor<tf.Tensor4D>(args.inputs.dy); // [N, OH, OW, Co]
    const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false);
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    // Rows the last filter tap reaches past the input (negative: rows the forward pass never read).
    const bottom = fh + (oh - 1) * sh - x.shape[1] - top;
    const right = fw + (ow - 1) * sw - x.shape[2] - left;
    const { x: xc, pad: explicit } = cropNegative(x, [top, bottom], [left, right]);
    const n = x.shape[0];
    const perChunk = imagesPerChunk(oh, ow);
    const partial = (xi: tf.Tensor4D, dyi: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        const xt = swapBatchAndChannels(xi); // [Ci, H, W, n]
        const dyt = tf.transpose(dyi, [1, 2, 0, 3]); // [OH, OW, n, Co]
        // XNNPACK copies and packs the "filter" dy' outside tfjs's accounting, plus one pointer per tap.
        ensureWasmHeadroom(tf.backend(), 8 * dyt.size + 4 * xt.shape[0] * fh * fw * oh * ow, Conv2DBackpropFilter);
        return tf.conv2d(xt, dyt, 1, explicit, 'NHWC', [sh, sw]); // [Ci, fh, fw, Co]
      });
    let g: tf.Tensor4D; // [Ci, fh, fw, Co]
    if (perChunk >= n) {
      g = partial(xc, dy);
    } else {
      const parts = rowChunks(n, perChunk).map(([start, count]) =>
        tf.tidy(() => partial(copyRows(xc, start, count), copyRows(dy, start, count))), // [Ci, fh, fw, Co]
      );
      g = tf.sum(tf.stack(parts), 0); // [Ci, fh, fw, Co]
    }
    return tf.transpose(g, [1, 2, 0, 3]); // [fh, fw, Ci, Co]
  });
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
