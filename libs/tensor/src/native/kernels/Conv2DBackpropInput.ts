/** Conv2DBackpropInput (the gradient of Conv2D with respect to its input; also conv2dTranspose). */
import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2DBackpropInput, ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (!allFloat32(dy, filter) || dimRoundingMode != null || inputShape.some((d) => d <= 0)) return undefined;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad,
      dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
    if (!nativeConvOk(info)) return undefined;
    const dx = backend.addon.conv2dBackpropInput(backend.floats(dy), dy.shape, backend.floats(filter), filter.shape, convSpec(info, false), inputShape); // [N, H, W, Ci]
    return backend.output([...inputShape], dx);
  }),
};
