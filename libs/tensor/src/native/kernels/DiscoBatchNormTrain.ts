/**
 * `DiscoBatchNormTrain` (x, scale?, offset?; epsilon) → [y, mean, variance]: training-mode
 * BatchNorm over every axis but the last in two native passes; and `DiscoBatchNormTrainGrad`,
 * its gradient (gradients/DiscoBatchNormTrain_grad.ts). 'native' only: `batchNormTrain`
 * composes tfjs ops on every other backend.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_BATCH_NORM_TRAIN = 'DiscoBatchNormTrain';
export const DISCO_BATCH_NORM_TRAIN_GRAD = 'DiscoBatchNormTrainGrad';

export const discoBatchNormTrainConfig: KernelConfig = {
  kernelName: DISCO_BATCH_NORM_TRAIN,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { x, scale, offset } = inputs;
    const c = x.shape[x.shape.length - 1];
    const [y, mean, variance] = backend.addon.batchNormTrain(backend.floats(x), x.shape, scale ? backend.floats(scale) : null,
      offset ? backend.floats(offset) : null, (attrs as { epsilon: number }).epsilon);
    return [backend.output([...x.shape], y), backend.output([c], mean), backend.output([c], variance)]; // [same as x], [C], [C]
  },
};

export const discoBatchNormTrainGradConfig: KernelConfig = {
  kernelName: DISCO_BATCH_NORM_TRAIN_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { dy, x, scale, mean, variance, dMean, dVariance } = inputs;
    const c = x.shape[x.shape.length - 1];
    const f = (t: TensorInfo | undefined) => (t ? backend.floats(t) : null);
    const [dx, dScale, dOffset] = backend.addon.batchNormTrainGrad(backend.floats(dy), backend.floats(x), x.shape, f(scale),
      backend.floats(mean), backend.floats(variance), f(dMean), f(dVariance), (attrs as { epsilon: number }).epsilon);
    return [backend.output([...x.shape], dx), backend.output([c], dScale), backend.output([c], dOffset)]; // [same as x], [C], [C]
  },
};
