/** Conv2D (NHWC input, HWIO filter) on libtorch: at::convolution, oneDNN on channels-last data. */
import { backend_util, Conv2D, type Conv2DAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2D, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
    if (!allFloat32(x, filter) || dimRoundingMode != null) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
    if (!nativeConvOk(info)) return undefined;
    const y = backend.addon.conv2d(backend.floats(x), x.shape, backend.floats(filter), filter.shape, convSpec(info, false), info.outShape); // [N, H', W', Co]
    return backend.output(info.outShape, y);
  }),
};
