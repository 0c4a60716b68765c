/**
 * Sum for wasm, replacing the stock kernel: added in doubles straight from the heap
 * (`heap_reduce.ts`; the stock kernel's float32 running total loses ~R·ε over R values).
 * float32 stays float32, int32 stays int32, bool sums to int32.
 */
import { Sum, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { reduceOnHeap } from './heap_reduce.ts';
import type { WasmBackend } from '../wasm_backend.ts';

function sum(args: { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: SumAttrs }): TensorInfo {
  const { axis, keepDims } = args.attrs;
  return reduceOnHeap(args.backend, args.inputs.x, axis, keepDims, 'sum');
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
