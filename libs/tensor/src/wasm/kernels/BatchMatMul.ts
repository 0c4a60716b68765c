/**
 * BatchMatMul for wasm, replacing the stock kernel's JavaScript half (same C++ function):
 *
 * - guards the C++ operator cache against differently shaped views of one buffer
 *   (`matmul_cache_guard.ts`: the stock kernel returns wrong values or aborts);
 * - runs transposed single-batch products on the fast XNNPACK path (`matmul_plan.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { guardWasmHeap } from '../../memory_guard.ts';
import { operandBId, takesCachedPath } from './matmul_cache_guard.ts';
import { planMatMul, shapeBytes } from './matmul_plan.ts';
import type { WasmBackend } from '../wasm_backend.ts';

type WasmBatchMatMul = (
  aId: number, aShape: Uint8Array, aRank: number,
  bId: number, bShape: Uint8Array, bRank: number,
  transposeA: boolean, transposeB: boolean, outId: number,
) => void;

const wasmFns = new WeakMap<WasmBackend, WasmBatchMatMul>();

/**
 * Runs when tfjs creates the wasm backend (and lazily otherwise). A kernel's setup is the one
 * hook tfjs offers at that moment, so it also installs the heap guard (`memory_guard.ts`).
 */
function setup(backend: WasmBackend): WasmBatchMatMul {
  guardWasmHeap(backend);
  const fn = backend.wasm.cwrap(BatchMatMul, null, [
    'number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number',
  ]) as WasmBatchMatMul;
  wasmFns.set(backend, fn);
  return fn;
}

function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const p = planMatMul(BatchMatMul, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
  const out = backend.makeOutput(p.out3, 'float32'); // [B, M, N]
  const bOperand = takesCachedPath(p.a3, p.b3, p.transposeA, p.transposeB)
    ? operandBId(backend, p.b, p.b3, '0|linear')
    : { id: backend.dataIdMap.get(p.b.dataId).id, release: () => {} };
  try {
    const fn = wasmFns.get(backend) ?? setup(backend);
    fn(
      backend.dataIdMap.get(p.a.dataId).id, shapeBytes(p.a3), 3,
      bOperand.id, shapeBytes(p.b3), 3,
      p.transposeA, p.transposeB, backend.dataIdMap.get(out.dataId).id,
    );
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  } finally {
    bOperand.release();
    tf.dispose(p.temps);
  }
  return { dataId: out.dataId, shape: p.outShape, dtype: 'float32' };
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  setupFunc: setup as unknown as KernelConfig['setupFunc'],
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
