/** MaxPool (padded cells never win) on libtorch. */
import { MaxPool, type KernelConfig } from '@tensorflow/tfjs-core';
import { withCpuFallback } from './fallback.ts';
import { nativePool, type PoolAttrs } from './pool_info.ts';

export const maxPoolConfig: KernelConfig = {
  kernelName: MaxPool,
  backendName: 'native',
  kernelFunc: withCpuFallback(MaxPool, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const pool = nativePool(x, attrs as unknown as PoolAttrs);
    if (!pool) return undefined;
    const y = backend.addon.maxPool(backend.floats(x), x.shape, pool.filter, pool.spec, pool.info.outShape); // [N, H', W', C]
    return backend.output(pool.info.outShape, y);
  }),
};
