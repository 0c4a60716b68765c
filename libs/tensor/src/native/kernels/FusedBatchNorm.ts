/**
 * FusedBatchNorm with per-channel parameters (each of size C = x's last axis, the layout every
 * tfjs BatchNorm uses) in one native pass; other layouts use the cpu kernel.
 */
import { FusedBatchNorm, util, type FusedBatchNormAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';

/** Whether each of `params` is absent or holds exactly one value per channel of `x`. */
export function perChannel(x: TensorInfo, ...params: (TensorInfo | undefined)[]): boolean {
  const c = x.shape[x.shape.length - 1];
  return x.shape.length > 0 && params.every((p) => p == null || util.sizeFromShape(p.shape) === c);
}

export const fusedBatchNormConfig: KernelConfig = {
  kernelName: FusedBatchNorm,
  backendName: 'native',
  kernelFunc: withCpuFallback(FusedBatchNorm, ({ inputs, backend, attrs }) => {
    const { x, mean, variance, offset, scale } = inputs;
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    if (!allFloat32(x, mean, variance, offset, scale) || !perChannel(x, mean, variance, offset, scale)) return undefined;
    const y = backend.addon.batchNorm(backend.floats(x), x.shape, backend.floats(mean), backend.floats(variance),
      offset ? backend.floats(offset) : null, scale ? backend.floats(scale) : null, varianceEpsilon ?? 0.001); // [same as x]
    return backend.output([...x.shape], y);
  }),
};
