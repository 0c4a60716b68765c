/**
 * The wasm backend's missing training kernels, one per file, registered in one loop
 * (tfjs-backend-wasm's `register_all_kernels.ts` shape). Kernels that replace a stock one
 * unregister it first (no duplicate-registration warning).
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './kernels/BatchMatMul.ts';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/DepthwiseConv2dNativeBackpropInput.ts';
import { fusedMatMulConfig } from './kernels/_FusedMatMul.ts';
import { maxPoolGradConfig } from './kernels/MaxPoolGrad.ts';
import { meanConfig } from './kernels/Mean.ts';
import { sumConfig } from './kernels/Sum.ts';
import { tileConfig } from './kernels/Tile.ts';
import { unsortedSegmentSumConfig } from './kernels/UnsortedSegmentSum.ts';

/** Every kernel disco adds to (or replaces in) the wasm backend. */
export const WASM_TRAINING_KERNELS: KernelConfig[] = [
  batchMatMulConfig, // replaces stock: stale operator cache guard, fast transposed path; installs the heap guard
  fusedMatMulConfig, // replaces stock: same cache and fast path
  conv2DBackpropFilterConfig, // missing
  conv2DBackpropInputConfig, // replaces stock: ~10× faster
  depthwiseConv2dNativeBackpropFilterConfig, // missing
  depthwiseConv2dNativeBackpropInputConfig, // missing
  maxPoolGradConfig, // replaces stock: loses the gradient of windows whose values are all ≤ 0
  unsortedSegmentSumConfig, // missing (gradient of gather)
  sumConfig, // replaces stock: float32 running total (relative error ~R·ε); adds in doubles
  meanConfig, // replaces stock: same
  tileConfig, // replaces stock: ~100 ns per element; heap copies ~20× faster (BatchNorm's gradient)
];

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const kernel of WASM_TRAINING_KERNELS) {
    if (getKernel(kernel.kernelName, kernel.backendName)) unregisterKernel(kernel.kernelName, kernel.backendName);
    registerKernel(kernel);
  }
  registered = true;
}
