/**
 * Conv2DBackpropInput for wasm, replacing the stock kernel (a scalar loop ~10× slower than a
 * forward convolution). The input gradient is a forward convolution of dy with the spatially
 * flipped, in/out-transposed filter:
 *
 *   dx[n, h, w, ci] = Σ_{kh, kw, co} dy[n, (h + top − kh)/s, (w + left − kw)/s, co] · W[kh, kw, ci, co]
 *
 * Stride 1: one conv of dy with W' = flip(W)ᵀ [fh, fw, Co, Ci], front padding fh − 1 − top.
 * Stride s > 1: sub-pixel phases (`conv_input_phases.ts`), one small conv per phase, which do the
 * work of one forward conv (2.2× faster than `convInputGradByDilation` — dy dilated with zeros,
 * then the stride-1 conv — on [64,32,32,64] 3×3 stride 2); a strided 1×1 conv is one 1×1 conv
 * then a dilation.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { asTensor, assertChannelsLast, cropNegative, dilateSpatial } from './compose.ts';
import { convInputGradByPhases, convInputGradPointwise } from './conv_input_phases.ts';

/** dx by dilating dy with zeros and one stride-1 convolution (exact for every stride). */
export function convInputGradByDilation(
  dy: tf.Tensor4D, // [N, OH, OW, Co]
  filter: tf.Tensor4D, // [fh, fw, Ci, Co]
  [, h, w]: [number, number, number, number],
  [sh, sw]: [number, number],
  [top, left]: [number, number],
): tf.Tensor4D {
  const [fh, fw] = filter.shape;
  const dyd = dilateSpatial(dy, sh, sw); // [N, OH·sh, OW·sw, Co]
  const [, lh, lw] = dyd.shape;
  const { x: dyc, pad } = cropNegative(dyd, [fh - 1 - top, h + top - lh], [fw - 1 - left, w + left - lw]);
  const wt = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [fh, fw, Co, Ci]
  return tf.conv2d(dyc, wt, 1, pad); // [N, H, W, Ci]
}

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: Conv2DBackpropInputAttrs;
}): tf.Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  assertChannelsLast(Conv2DBackpropInput, dataFormat);
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(args.inputs.dy); // [N, OH, OW, Co]
    const filter = asTensor<tf.Tensor4D>(args.inputs.filter); // [fh, fw, Ci, Co]
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false);
    const stride: [number, number] = [info.strideHeight, info.strideWidth];
    const front: [number, number] = [info.padInfo.top, info.padInfo.left];
    if (stride[0] === 1 && stride[1] === 1) return convInputGradByDilation(dy, filter, inputShape, stride, front);
    if (filter.shape[0] === 1 && filter.shape[1] === 1) return convInputGradPointwise(dy, filter, inputShape, stride, front);
    return convInputGradByPhases(dy, filter, inputShape, stride, front); // [N, H, W, Ci]
  });
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
