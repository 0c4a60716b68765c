/** AvgPool: each window's mean over its real (unpadded) cells, as tfjs. */
import { AvgPool, type KernelConfig } from '@tensorflow/tfjs-core';
import { withCpuFallback } from './fallback.ts';
import { nativePool, type PoolAttrs } from './pool_info.ts';

export const avgPoolConfig: KernelConfig = {
  kernelName: AvgPool,
  backendName: 'native',
  kernelFunc: withCpuFallback(AvgPool, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const pool = nativePool(x, attrs as unknown as PoolAttrs);
    if (!pool) return undefined;
    const y = backend.addon.avgPool(backend.floats(x), x.shape, pool.filter, pool.spec, pool.info.outShape); // [N, H', W', C]
    return backend.output(pool.info.outShape, y);
  }),
};
