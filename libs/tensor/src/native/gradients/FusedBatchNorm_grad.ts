/**
 * FusedBatchNorm's gradient on 'native': tfjs's own (FusedBatchNorm_grad.js) costs about a
 * dozen full-size elementwise ops per BatchNorm layer; `DiscoBatchNormGrad` computes the same
 * five values in two passes over x.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm, util, type Tensor } from '@tensorflow/tfjs-core';
import { DISCO_BATCH_NORM_GRAD } from '../kernels/DiscoBatchNormGrad.ts';
import type { NativeGradConfig } from './on_native.ts';

function eligible(x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined): boolean {
  const c = x.shape[x.shape.length - 1];
  const perChannel = (t: Tensor | undefined) => t == null || (t.dtype === 'float32' && t.rank === 1 && t.shape[0] === c);
  return x.dtype === 'float32' && x.rank >= 2 && util.sizeFromShape(x.shape) > 0 && perChannel(mean) && perChannel(variance) && perChannel(scale);
}

export const fusedBatchNormGrad: NativeGradConfig = {
  kernelName: FusedBatchNorm,
  nativeGrad: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    if (!eligible(x, mean, variance, scale) || dy.dtype !== 'float32') return undefined;
    // One kernel call for all five, made here rather than in the thunks: the engine runs each
    // thunk in its own tidy, which would dispose the results the other thunks return. Unused
    // results are disposed with the rest of the backward pass.
    const inputs: tf.NamedTensorMap = scale ? { dy, x, mean, variance, scale } : { dy, x, mean, variance };
    const [dx, dMean, dVariance, dScale, dOffset] = tf.engine().runKernel(DISCO_BATCH_NORM_GRAD, inputs, attrs) as Tensor[]; // [same as x], 4 × [C]
    return { x: () => dx, mean: () => dMean, variance: () => dVariance, scale: () => dScale, offset: () => dOffset };
  },
};
