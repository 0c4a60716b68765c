/** DepthwiseConv2dNativeBackpropInput (the depthwise conv's input gradient). */
import { backend_util, DepthwiseConv2dNativeBackpropInput, type DepthwiseConv2dNativeBackpropInputAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'native',
  kernelFunc: withCpuFallback(DepthwiseConv2dNativeBackpropInput, ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    if (!allFloat32(dy, filter) || dimRoundingMode != null) return undefined;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, dilations, pad,
      dimRoundingMode, true);
    if (!nativeConvOk(info)) return undefined;
    const dx = backend.addon.conv2dBackpropInput(backend.floats(dy), dy.shape, backend.floats(filter), filter.shape, convSpec(info, true), inputShape); // [N, H, W, Ci]
    return backend.output([...inputShape], dx);
  }),
};
