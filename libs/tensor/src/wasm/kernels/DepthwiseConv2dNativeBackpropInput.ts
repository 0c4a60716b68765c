/**
 * DepthwiseConv2dNativeBackpropInput for wasm (stock wasm has none), as one depthwise conv:
 *
 *   dx[n, h, w, c] = Σ_{kh, kw, m} dy[n, (h + top − kh)/s, (w + left − kw)/s, c·M + m] · W[kh, kw, c, m]
 *
 * Each of the C·M dy channels is convolved (multiplier 1) with its own flipped filter tap set,
 * then the M channels of each input channel are summed. Stride s > 1 dilates dy with zeros first.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { asTensor, assertNoDilation, cropNegative, dilateSpatial } from './compose.ts';

function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): tf.Tensor4D {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs;
  assertNoDilation(DepthwiseConv2dNativeBackpropInput, dilations);
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(args.inputs.dy); // [N, OH, OW, C·M]
    const filter = asTensor<tf.Tensor4D>(args.inputs.filter); // [fh, fw, C, M]
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, true);
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const [n, h, w, c] = inputShape;
    const m = filter.shape[3];
    const dyd = dilateSpatial(dy, sh, sw); // [N, OH·sh, OW·sw, C·M]
    const [, lh, lw] = dyd.shape;
    const { x: dyc, pad: explicit } = cropNegative(dyd, [fh - 1 - top, h + top - lh], [fw - 1 - left, w + left - lw]);
    const wf = tf.reshape<tf.Rank.R4>(tf.reverse(filter, [0, 1]), [fh, fw, c * m, 1]); // [fh, fw, C·M, 1]
    const dx = tf.depthwiseConv2d(dyc, wf, 1, explicit); // [N, H, W, C·M]
    return m === 1 ? dx : tf.sum(tf.reshape(dx, [n, h, w, c, m]), 4); // [N, H, W, C]
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
