/**
 * Shapes and operands for the wasm matMul kernels (`BatchMatMul.ts`, `_FusedMatMul.ts`).
 *
 * The C++ side sends any transposed product to a scalar loop at ≈ 3 GFLOP/s, against
 * 20–37 GFLOP/s for its XNNPACK path (no transpose, batch 1) — and every backward matMul is
 * transposed. For single-batch products the transposed operand is therefore materialised first
 * (a Transpose kernel, far cheaper than the product), so the fast path runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, WasmKernelError } from './compose.ts';

export interface MatMulPlan {
  a: TensorInfo;
  b: TensorInfo;
  /** Rank-3 shapes handed to C++: [Ba, M, K] (or [Ba, K, M] when transposeA). */
  a3: number[];
  /** [Bb, K, N] (or [Bb, N, K] when transposeB). */
  b3: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** Shape the C++ side writes: [max(Ba, Bb), M, N]. */
  out3: number[];
  /** Shape of the kernel's result: [...broadcast batch dims, M, N]. */
  outShape: number[];
  /** Materialised transposes; dispose after the call. */
  temps: tf.Tensor[];
}

export function planMatMul(kernel: string, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new WasmKernelError(`${kernel}: only float32 is supported, got ${a.dtype} × ${b.dtype}`);
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new WasmKernelError(
      `${kernel}: inner dimensions ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] ` +
        `(transposeA=${transposeA}, transposeB=${transposeB}) differ`,
    );
  }
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const batchDims = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const temps: tf.Tensor[] = [];
  if (batchA === 1 && batchB === 1) {
    if (transposeA) {
      a = tf.tidy(() => tf.transpose(tf.reshape(asTensor(a), [k, m]))); // [M, K]
      temps.push(a as tf.Tensor);
      transposeA = false;
    }
    if (transposeB) {
      b = tf.tidy(() => tf.transpose(tf.reshape(asTensor(b), [n, k]))); // [K, N]
      temps.push(b as tf.Tensor);
      transposeB = false;
    }
  }
  return {
    a,
    b,
    a3: transposeA ? [batchA, k, m] : [batchA, m, k],
    b3: transposeB ? [batchB, n, k] : [batchB, k, n],
    transposeA,
    transposeB,
    out3: [Math.max(batchA, batchB), m, n],
    outShape: [...batchDims, m, n],
    temps,
  };
}

/** A shape as the bytes the C++ side reads (int32 per dimension). */
export function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}
