/** FusedDepthwiseConv2D (depthwise conv + bias + activation). */
import { backend_util, FusedDepthwiseConv2D, type FusedDepthwiseConv2DAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';
import { NATIVE_ACTIVATIONS } from './activations.ts';

export const fusedDepthwiseConv2DConfig: KernelConfig = {
  kernelName: FusedDepthwiseConv2D,
  backendName: 'native',
  kernelFunc: withCpuFallback(FusedDepthwiseConv2D, ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights: prelu } = inputs;
    const { strides, pad, dilations, dimRoundingMode, activation, leakyreluAlpha } = attrs as unknown as FusedDepthwiseConv2DAttrs;
    if (!allFloat32(x, filter, bias, prelu) || dimRoundingMode != null || !NATIVE_ACTIVATIONS.has(activation)) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations ?? 1, pad, dimRoundingMode, true);
    if (!nativeConvOk(info)) return undefined;
    const y = backend.addon.conv2d(backend.floats(x), x.shape, backend.floats(filter), filter.shape, convSpec(info, true), info.outShape,
      bias ? backend.floats(bias) : null, bias?.shape ?? [], activation, leakyreluAlpha ?? 0.2,
      prelu ? backend.floats(prelu) : null, prelu?.shape ?? []); // [N, H', W', Ci·M]
    return backend.output(info.outShape, y);
  }),
};
