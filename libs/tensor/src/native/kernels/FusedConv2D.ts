/** FusedConv2D (conv + bias + activation) on libtorch, the activation applied in place. */
import { backend_util, FusedConv2D, type FusedConv2DAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { convSpec, nativeConvOk } from './conv_geometry.ts';
import { withCpuFallback } from './fallback.ts';
import { NATIVE_ACTIVATIONS } from './activations.ts';

export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: 'native',
  kernelFunc: withCpuFallback(FusedConv2D, ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights: prelu } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } = attrs as unknown as FusedConv2DAttrs;
    if (!allFloat32(x, filter, bias, prelu) || dimRoundingMode != null || !NATIVE_ACTIVATIONS.has(activation)) return undefined;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat));
    if (!nativeConvOk(info)) return undefined;
    const y = backend.addon.conv2d(backend.floats(x), x.shape, backend.floats(filter), filter.shape, convSpec(info, false), info.outShape,
      bias ? backend.floats(bias) : null, bias?.shape ?? [], activation, leakyreluAlpha ?? 0.2,
      prelu ? backend.floats(prelu) : null, prelu?.shape ?? []); // [N, H', W', Co]
    return backend.output(info.outShape, y);
  }),
};
