/** DepthwiseConv2dNative (HWCM filter) as a grouped convolution (groups = input channels). */
import { backend_util, DepthwiseConv2dNative, type DepthwiseConv2dNativeAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const depthwiseConv2dNativeConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNative,
  backendName: 'native',
  kernelFunc: withCpuFallback(DepthwiseConv2dNative, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs;
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as DepthwiseConv2dNativeAttrs;
    if (!allFloat32(x, filter) || dimRoundingMode != null) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations ?? 1, pad, dimRoundingMode, true);
    if (!nativeConvOk(info)) return undefined;
    const y = backend.addon.conv2d(backend.floats(x), x.shape, backend.floats(filter), filter.shape, convSpec(info, true), info.outShape); // [N, H', W', Ci·M]
    return backend.output(info.outShape, y);
  }),
};
