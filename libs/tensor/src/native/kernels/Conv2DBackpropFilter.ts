/** Conv2DBackpropFilter (the gradient of Conv2D with respect to its HWIO filter). */
import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'native',
  kernelFunc: withCpuFallback(Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const { filterShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!allFloat32(x, dy) || dimRoundingMode != null) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad,
      dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
    if (!nativeConvOk(info)) return undefined;
    const dw = backend.addon.conv2dBackpropFilter(backend.floats(x), x.shape, backend.floats(dy), dy.shape, convSpec(info, false), filterShape); // [fh, fw, Ci, Co]
    return backend.output([...filterShape], dw);
  }),
};
