/**
 * Mean for wasm, replacing the stock kernel: summed in doubles straight from the heap and
 * divided once (`heap_reduce.ts`). Always float32, as on every tfjs backend. It is the whole of
 * `tf.moments`' arithmetic, so BatchNorm's batch statistics go through it.
 */
import { Mean, type KernelConfig, type KernelFunc, type MeanAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { reduceOnHeap } from './heap_reduce.ts';
import type { WasmBackend } from '../wasm_backend.ts';

function mean(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: MeanAttrs }): TensorInfo {
  const { axis, keepDims } = args.attrs;
  return reduceOnHeap(args.backend, args.inputs.x, axis, keepDims, 'mean');
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as KernelFunc,
};
