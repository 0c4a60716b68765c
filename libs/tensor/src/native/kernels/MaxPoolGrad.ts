/** MaxPoolGrad: each window's gradient goes to its (first) maximum, as tfjs's cpu kernel does. */
import { MaxPoolGrad, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';
import { nativePool, type PoolAttrs } from './pool_info.ts';

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'native',
  kernelFunc: withCpuFallback(MaxPoolGrad, ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs;
    const pool = allFloat32(dy) ? nativePool(input, attrs as unknown as PoolAttrs) : undefined;
    if (!pool) return undefined;
    const dx = backend.addon.maxPoolGrad(backend.floats(dy), dy.shape, backend.floats(input), input.shape, pool.filter, pool.spec); // [N, H, W, C]
    return backend.output([...input.shape], dx);
  }),
};
