/**
 * The wasm backend's missing training kernels, one per file, registered in one loop
 * (tfjs-backend-wasm's `register_all_kernels.ts` shape).
 */
import { registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';

/** Every kernel disco adds to (or replaces in) the wasm backend. */
export const WASM_TRAINING_KERNELS: KernelConfig[] = [];

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const kernel of WASM_TRAINING_KERNELS) registerKernel(kernel);
  registered = true;
}
