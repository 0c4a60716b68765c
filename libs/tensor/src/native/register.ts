/**
 * Registers the 'native' backend: a cpu backend (every cpu kernel registered under 'native' too)
 * with disco's native kernels, one per file, replacing the hot ones (tfjs-backend-wasm's
 * `register_all_kernels.ts` shape).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon, type NativeAddon } from './addon.ts';
import { registerNativeGradients } from './gradients/register.ts';
import { markNativeKernels } from './kernel_profile.ts';
import { NATIVE_BACKEND_NAME, NativeBackend } from './native_backend.ts';
import { avgPoolConfig } from './kernels/AvgPool.ts';
import { avgPoolGradConfig } from './kernels/AvgPoolGrad.ts';
import { batchMatMulConfig } from './kernels/BatchMatMul.ts';
import { BINARY_CONFIGS } from './kernels/binary.ts';
import { conv2DConfig } from './kernels/Conv2D.ts';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeConfig } from './kernels/DepthwiseConv2dNative.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/DepthwiseConv2dNativeBackpropInput.ts';
import { discoBatchNormGradConfig } from './kernels/DiscoBatchNormGrad.ts';
import { discoElementwiseGradConfig } from './kernels/DiscoElementwiseGrad.ts';
import { discoBatchNormTrainConfig, discoBatchNormTrainGradConfig } from './kernels/DiscoBatchNormTrain.ts';
import { discoSgdMomentumConfig } from './kernels/DiscoSgdMomentum.ts';
import { discoEmaConfig } from './kernels/DiscoEma.ts';
import { discoQueueCrossEntropyConfig, discoQueueCrossEntropyGradConfig } from './kernels/DiscoQueueCrossEntropy.ts';
import { fusedBatchNormConfig } from './kernels/FusedBatchNorm.ts';
import { fusedConv2DConfig } from './kernels/FusedConv2D.ts';
import { fusedDepthwiseConv2DConfig } from './kernels/FusedDepthwiseConv2D.ts';
import { fusedMatMulConfig } from './kernels/_FusedMatMul.ts';
import { gatherV2Config } from './kernels/GatherV2.ts';
import { maxPoolConfig } from './kernels/MaxPool.ts';
import { maxPoolGradConfig } from './kernels/MaxPoolGrad.ts';
import { REDUCE_CONFIGS } from './kernels/reduce.ts';
import { tileConfig } from './kernels/Tile.ts';
import { transposeConfig } from './kernels/Transpose.ts';
import { UNARY_CONFIGS } from './kernels/unary.ts';

/** Every kernel the addon computes (each falls back to the cpu kernel for inputs it declines). */
export const NATIVE_KERNELS: KernelConfig[] = [
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeConfig,
  fusedDepthwiseConv2DConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  fusedBatchNormConfig,
  discoBatchNormGradConfig, // disco's own: FusedBatchNorm's five gradients at once (gradients/FusedBatchNorm_grad.ts)
  discoElementwiseGradConfig, // disco's own: Relu's and Square's gradients (gradients/elementwise_grads.ts)
  discoBatchNormTrainConfig, // disco's own: training-mode BatchNorm as one op (batch_norm_train.ts)
  discoBatchNormTrainGradConfig, // … and its gradient
  discoSgdMomentumConfig, // disco's own: one momentum-SGD update in one pass (sgd_momentum_step.ts)
  discoEmaConfig, // disco's own: the key encoder's EMA update in one pass (ema_update.ts)
  discoQueueCrossEntropyConfig, // disco's own: InfoNCE / SEED's cross-entropy against a queue (queue_cross_entropy.ts)
  discoQueueCrossEntropyGradConfig, // … and its gradient
  maxPoolConfig,
  maxPoolGradConfig,
  avgPoolConfig,
  avgPoolGradConfig,
  gatherV2Config,
  tileConfig,
  transposeConfig,
  ...BINARY_CONFIGS,
  ...UNARY_CONFIGS,
  ...REDUCE_CONFIGS,
];

let registered: NativeAddon | undefined;

/**
 * Loads the addon and registers the 'native' backend and its kernels (idempotent). Throws
 * `NativeBackendError` where the addon is not built or libtorch does not load.
 */
export function registerNativeBackend(): NativeAddon {
  if (registered) return registered;
  const addon = loadNativeAddon();
  tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), 0);
  for (const cpu of getKernelsForBackend('cpu')) registerKernel({ ...cpu, backendName: NATIVE_BACKEND_NAME });
  for (const kernel of NATIVE_KERNELS) {
    if (getKernel(kernel.kernelName, NATIVE_BACKEND_NAME)) unregisterKernel(kernel.kernelName, NATIVE_BACKEND_NAME);
    registerKernel(kernel);
  }
  registerNativeGradients();
  markNativeKernels(NATIVE_KERNELS.map((k) => k.kernelName));
  registered = addon;
  return addon;
}
