/**
 * `DiscoBatchNormGrad`: all five gradients of FusedBatchNorm (x, mean, variance, scale, offset)
 * in two native passes over x. Registered for the 'native' backend only; batch_norm_grad.ts
 * routes FusedBatchNorm's gradient here.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_BATCH_NORM_GRAD = 'DiscoBatchNormGrad';

export const discoBatchNormGradConfig: KernelConfig = {
  kernelName: DISCO_BATCH_NORM_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { dy, x, mean, variance, scale } = inputs;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const c = x.shape[x.shape.length - 1];
    const [dx, dMean, dVariance, dScale, dOffset] = backend.addon.batchNormGrad(backend.floats(dy), backend.floats(x), x.shape,
      backend.floats(mean), backend.floats(variance), scale ? backend.floats(scale) : null, epsilon);
    return [
      backend.output([...x.shape], dx), // [same as x]
      backend.output([c], dMean), // [C]
      backend.output([c], dVariance), // [C]
      backend.output([c], dScale), // [C]
      backend.output([c], dOffset), // [C]
    ];
  },
};
