/** AvgPoolGrad: each window's gradient spread evenly over its real cells. */
import { AvgPoolGrad, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';
import { nativePool, type PoolAttrs } from './pool_info.ts';

export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'native',
  kernelFunc: withCpuFallback(AvgPoolGrad, ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs;
    const pool = allFloat32(dy) ? nativePool(input, attrs as unknown as PoolAttrs) : undefined;
    if (!pool) return undefined;
    const dx = backend.addon.avgPoolGrad(backend.floats(dy), dy.shape, input.shape, pool.filter, pool.spec); // [N, H, W, C]
    return backend.output([...input.shape], dx);
  }),
};
