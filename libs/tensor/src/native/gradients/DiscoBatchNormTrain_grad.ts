/**
 * The gradient of `DiscoBatchNormTrain` (a kernel of disco's own, so registered, not replaced):
 * one `DiscoBatchNormTrainGrad` call gives x's, scale's and offset's gradients, through the
 * batch statistics and from any gradient reaching mean and variance themselves.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { DISCO_BATCH_NORM_TRAIN, DISCO_BATCH_NORM_TRAIN_GRAD } from '../kernels/DiscoBatchNormTrain.ts';

export const discoBatchNormTrainGrad: GradConfig = {
  kernelName: DISCO_BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dMean, dVariance] = dys as Tensor[]; // [same as x], [C], [C] (zeros where unused)
    const [x, scale, mean, variance] = saved; // batchNormTrain always passes scale
    const inputs: NamedTensorMap = { dy, x, scale, mean, variance, dMean, dVariance };
    // One kernel call for all three, made here: the engine runs each thunk in its own tidy.
    const [dx, dScale, dOffset] = tf.engine().runKernel(DISCO_BATCH_NORM_TRAIN_GRAD, inputs, attrs) as Tensor[];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};
