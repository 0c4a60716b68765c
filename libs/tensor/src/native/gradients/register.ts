/** Every gradient the 'native' backend replaces (one per file), installed in one loop. */
import { fusedBatchNormGrad } from './FusedBatchNorm_grad.ts';
import { relu6Grad, reluGrad, squareGrad } from './elementwise_grads.ts';
import { meanGrad, sumGrad } from './reduce_grads.ts';
import { replaceGradient, type NativeGradConfig } from './on_native.ts';
import { registerGradient } from '@tensorflow/tfjs-core';
import { discoBatchNormTrainGrad } from './DiscoBatchNormTrain_grad.ts';
import { discoQueueCrossEntropyGrad } from './DiscoQueueCrossEntropy_grad.ts';

export const NATIVE_GRADIENTS: NativeGradConfig[] = [fusedBatchNormGrad, meanGrad, sumGrad, reluGrad, relu6Grad, squareGrad];

let replaced = false;

/** Idempotent. Call after tfjs's gradients are registered (`registerGradients`). */
export function registerNativeGradients(): void {
  if (replaced) return;
  for (const config of NATIVE_GRADIENTS) replaceGradient(config);
  registerGradient(discoBatchNormTrainGrad); // disco's own kernels: nothing to replace
  registerGradient(discoQueueCrossEntropyGrad);
  replaced = true;
}
