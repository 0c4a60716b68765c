/** DepthwiseConv2dNativeBackpropFilter (the depthwise conv's HWCM filter gradient). */
import { backend_util, DepthwiseConv2dNativeBackpropFilter, type DepthwiseConv2dNativeBackpropFilterAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'native',
  kernelFunc: withCpuFallback(DepthwiseConv2dNativeBackpropFilter, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    if (!allFloat32(x, dy) || dimRoundingMode != null) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad,
      dimRoundingMode, true);
    if (!nativeConvOk(info)) return undefined;
    const dw = backend.addon.conv2dBackpropFilter(backend.floats(x), x.shape, backend.floats(dy), dy.shape, convSpec(info, true), filterShape); // [fh, fw, Ci, M]
    return backend.output([...filterShape], dw);
  }),
};
