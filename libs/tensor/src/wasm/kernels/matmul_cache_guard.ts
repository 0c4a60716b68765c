/**
 * Guard against the wasm backend's stale matMul operator cache (tfjs-backend-wasm 4.22,
 * `src/cc/batch_mat_mul_impl.cc`).
 *
 * For a matMul with no transposes and batch 1 on both sides, the C++ side builds an XNNPACK
 * fully-connected operator — B's values and its [K, N] shape packed inside — and caches it under
 * the key (B's tensor id, bias id, activation) until B's buffer is freed. `reshape` shares the
 * buffer and so the id: a later matMul over a differently shaped view of the same buffer finds
 * the operator packed for the first shape and runs it — wrong values (reads with the old K), or
 * writes past the output (old N > new N) and aborts the wasm instance.
 *
 * `operandBId` remembers, per buffer and cache key, the [K, N] the cache was built with. A call
 * with another shape gets an alias id for the same memory (no copy): its operator is built
 * fresh and deleted with the alias right after the call.
 */
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from '../wasm_backend.ts';

/** buffer → (cache key "bias|activation" → "K×N" the cached operator was packed with). */
const packedShapes = new WeakMap<DataId, Map<string, string>>();

/** Whether the C++ side takes its cached XNNPACK path for these rank-3 operand shapes. */
export function takesCachedPath(
  aShape: number[], // [Ba, M, K] (or [Ba, K, M] when transposeA)
  bShape: number[], // [Bb, K, N] (or [Bb, N, K] when transposeB)
  transposeA: boolean,
  transposeB: boolean,
): boolean {
  return !transposeA && !transposeB && aShape[0] === 1 && bShape[0] === 1;
}

export interface OperandId {
  /** The id to hand to the C++ matMul for B. */
  id: number;
  /** Frees the alias (and the operator cached under it), if one was made. Call after the matMul. */
  release(): void;
}

/**
 * The C++ id to pass for operand `b` (rank-3 shape `bShape`). `cacheKey` must distinguish what
 * the C++ cache key distinguishes besides B: the bias id and the clamp activation.
 */
export function operandBId(backend: WasmBackend, b: TensorInfo, bShape: number[], cacheKey: string): OperandId {
  const data = backend.dataIdMap.get(b.dataId);
  const shapeKey = `${bShape[1]}x${bShape[2]}`;
  let byKey = packedShapes.get(b.dataId);
  if (!byKey) {
    byKey = new Map();
    packedShapes.set(b.dataId, byKey);
  }
  const packed = byKey.get(cacheKey);
  if (packed === undefined) byKey.set(cacheKey, shapeKey);
  if (packed === undefined || packed === shapeKey) return { id: data.id, release: () => {} };
  // Same memory under a fresh id: the C++ cache misses and packs this view's shape.
  const alias = backend.makeOutput(bShape, b.dtype, data.memoryOffset);
  const aliasId = backend.dataIdMap.get(alias.dataId).id;
  return {
    id: aliasId,
    release: () => {
      backend.dataIdMap.delete(alias.dataId); // not disposeData: the memory belongs to `b`
      backend.wasm.tfjs.disposeData(aliasId); // drops the alias and its cached operator
    },
  };
}
