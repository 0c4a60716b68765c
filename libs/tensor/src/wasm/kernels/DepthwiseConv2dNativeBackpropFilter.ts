/**
 * DepthwiseConv2dNativeBackpropFilter for wasm (stock wasm has none):
 *
 *   dW[kh, kw, c, m] = Σ_{n, oh, ow} x[n, oh·s + kh − top, ow·s + kw − left, c] · dy[n, oh, ow, c·M + m]
 *
 * Batch and channels go into one channel axis: x' [1, H, W, N·C] is convolved depthwise with
 * dy as the filter dy' [OH, OW, N·C, M], stride 1, dilation = the forward stride; the output
 * [1, fh, fw, N·C·M] is summed over the batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { ensureWasmHeadroom } from '../../memory_guard.ts';
import { asTensor, assertNoDilation, cropNegative } from './compose.ts';

function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): tf.Tensor4D {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs;
  assertNoDilation(DepthwiseConv2dNativeBackpropFilter, dilations);
  return tf.tidy(() => {
    const x = asTensor<tf.Tensor4D>(args.inputs.x); // [N, H, W, C]
    const dy = asTensor<tf.Tensor4D>(args.inputs.dy); // [N, OH, OW, C·M]
    const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, true);
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [n, , , c] = x.shape;
    const m = filterShape[3];
    const bottom = fh + (oh - 1) * sh - x.shape[1] - top;
    const right = fw + (ow - 1) * sw - x.shape[2] - left;
    const { x: xc, pad: explicit } = cropNegative(x, [top, bottom], [left, right]);
    const [, hc, wc] = xc.shape;
    const xt = tf.reshape<tf.Rank.R4>(tf.transpose(xc, [1, 2, 0, 3]), [1, hc, wc, n * c]); // [1, H, W, N·C]
    const dy5 = tf.reshape(dy, [n, oh, ow, c, m]); // [N, OH, OW, C, M]
    const dyt = tf.reshape<tf.Rank.R4>(tf.transpose(dy5, [1, 2, 0, 3, 4]), [oh, ow, n * c, m]); // [OH, OW, N·C, M]
    // XNNPACK copies and packs the "filter" dy' outside tfjs's accounting, plus one pointer per tap.
    ensureWasmHeadroom(tf.backend(), 8 * dyt.size + 4 * fh * fw * oh * ow, DepthwiseConv2dNativeBackpropFilter);
    const g = tf.depthwiseConv2d(xt, dyt, 1, explicit, 'NHWC', [sh, sw]); // [1, fh, fw, N·C·M]
    return tf.sum(tf.reshape(g, [fh, fw, n, c, m]), 2); // [fh, fw, C, M]
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
