/**
 * The slice of tfjs-backend-wasm's `BackendWasm` (4.22) that disco's wasm kernels and guards
 * touch, typed structurally (the package ships no typings for its emscripten module).
 */
import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

export interface WasmTensorData {
  /** The tensor's id on the C++ side (what kernels pass to wasm functions). */
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

export interface WasmModule {
  cwrap(name: string, returnType: null | 'number', argTypes: string[]): (...args: unknown[]) => unknown;
  _malloc(bytes: number): number;
  _free(offset: number): void;
  HEAPU8: Uint8Array;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: DataId): WasmTensorData;
    delete(dataId: DataId): boolean;
  };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

/** Whether `backend` looks like tfjs-backend-wasm's (guards refuse anything else). */
export function isWasmBackend(backend: unknown): backend is WasmBackend {
  const b = backend as Partial<WasmBackend> | null;
  return !!b && typeof b.wasm?._malloc === 'function' && typeof b.makeOutput === 'function' && !!b.dataIdMap;
}
