/**
 * Sum and Mean for wasm, accumulated in float64 (`Sum.ts`, `Mean.ts`).
 *
 * The stock wasm kernels add float32 values one after another into a float32 total: the error
 * grows with the reduced extent R (measured relative error for R = 32,768: 2.6e-4 for values all
 * 0.1, 5.6e-6 for values uniform in [0, 0.2]; tf.moments over [64,32,32,64]'s BatchNorm axes
 * 3.7e-5); the cpu backend adds in JavaScript doubles. Training reduces over N·H·W in every
 * BatchNorm and every broadcast gradient, and BatchNorm's backward pass subtracts such sums from
 * each other, so the error reaches the weights (the DisCo parity step failed on wasm by 5.8e-4).
 * These kernels read the operand straight from the wasm heap and add in doubles, like the cpu
 * backend: one rounding, at the end. Speed: BatchNorm's sum over [64,32,32,64] 14 ms vs the stock
 * 33 ms (which transposes first); contiguous rows within ±15% of stock.
 *
 * Layout: size-1 dimensions are dropped and neighbouring dimensions of the same kind (kept or
 * reduced) merged. One reduced block gives x = [P, R, Q], read in memory order
 * (acc[q] += x[p, r, q]), with no transpose — BatchNorm's [N·H·W, C] is [1, R, C]. Reduced
 * dimensions split by kept ones are first moved last by a Transpose kernel ([P, R, 1]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, util, type DataType, type TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, WasmKernelError } from './compose.ts';
import type { WasmBackend } from '../wasm_backend.ts';

/** x seen as [P, R, Q] (reduced extent R in the middle), or a permutation that makes it so. */
export interface ReducePlan {
  /** Axes being reduced: non-negative, sorted, unique. */
  axes: number[];
  /** Shape of the result without kept dims; with keepDims, `keptShape`. */
  outShape: number[];
  keptShape: number[];
  p: number;
  r: number;
  q: number;
  /** Set when the reduced dimensions are not contiguous: transpose x by it first, then [P, R, 1]. */
  perm?: number[];
}

export function planReduce(shape: number[], axis: number | number[] | undefined): ReducePlan {
  const axes = [...new Set(util.parseAxisParam(axis ?? shape.map((_, i) => i), shape))].sort((a, b) => a - b);
  const reduced = shape.map((_, i) => axes.includes(i));
  const [outShape, reduceShape] = backend_util.computeOutAndReduceShapes(shape, axes);
  const keptShape = backend_util.expandShapeToKeepDim(outShape, axes);
  const r = util.sizeFromShape(reduceShape);
  // Blocks of neighbouring dimensions of one kind, size-1 dimensions left out.
  const blocks: { reduced: boolean; size: number }[] = [];
  shape.forEach((size, i) => {
    if (size === 1) return;
    const last = blocks[blocks.length - 1];
    if (last && last.reduced === reduced[i]) last.size *= size;
    else blocks.push({ reduced: reduced[i], size });
  });
  const reducedBlocks = blocks.filter((b) => b.reduced).length;
  if (reducedBlocks > 1) {
    const perm = [...shape.keys()].filter((i) => !reduced[i]).concat(axes);
    return { axes, outShape, keptShape, p: util.sizeFromShape(outShape), r, q: 1, perm };
  }
  const at = blocks.findIndex((b) => b.reduced);
  const before = at < 0 ? blocks : blocks.slice(0, at);
  const after = at < 0 ? [] : blocks.slice(at + 1);
  const p = before.reduce((acc, b) => acc * b.size, 1);
  const q = after.reduce((acc, b) => acc * b.size, 1);
  return { axes, outShape, keptShape, p, r, q };
}

/** The heap view of a tensor's data (valid until the next allocation may grow the heap). */
function heapView(backend: WasmBackend, info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  const { memoryOffset } = backend.dataIdMap.get(info.dataId);
  const buffer = backend.wasm.HEAPU8.buffer;
  const size = util.sizeFromShape(info.shape);
  switch (info.dtype) {
    case 'float32': return new Float32Array(buffer, memoryOffset, size);
    case 'int32': return new Int32Array(buffer, memoryOffset, size);
    case 'bool': return new Uint8Array(buffer, memoryOffset, size);
    default: throw new WasmKernelError(`reduction of dtype ${info.dtype} is not supported on wasm`);
  }
}

/** out[p, q] = (Σ_r x[p, r, q]) / divisor, added in doubles. */
function accumulate(
  x: Float32Array | Int32Array | Uint8Array,
  out: Float32Array | Int32Array,
  p: number,
  r: number,
  q: number,
  divisor: number,
): void {
  if (q === 1) {
    // Four running totals: one would wait on each add's latency (~4× slower).
    for (let i = 0; i < p; i++) {
      const base = i * r;
      const end = base + r;
      const end4 = base + (r & ~3);
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      let j = base;
      for (; j < end4; j += 4) {
        a0 += x[j];
        a1 += x[j + 1];
        a2 += x[j + 2];
        a3 += x[j + 3];
      }
      for (; j < end; j++) a0 += x[j];
      out[i] = (a0 + a1 + (a2 + a3)) / divisor;
    }
    return;
  }
  const acc = new Float64Array(q);
  for (let i = 0; i < p; i++) {
    acc.fill(0);
    for (let j = 0; j < r; j++) {
      const base = (i * r + j) * q;
      for (let k = 0; k < q; k++) acc[k] += x[base + k];
    }
    const o = i * q;
    for (let k = 0; k < q; k++) out[o + k] = acc[k] / divisor;
  }
}

export type ReduceKind = 'sum' | 'mean';

/**
 * Sum (dtype kept; bool sums to int32, as on the cpu backend) or mean (float32) of `x` over
 * `axis`. An empty reduction gives 0 for both (the cpu backend's result).
 */
export function reduceOnHeap(
  backend: WasmBackend,
  x: TensorInfo,
  axis: number | number[] | undefined,
  keepDims: boolean,
  kind: ReduceKind,
): TensorInfo {
  const plan = planReduce(x.shape, axis);
  const dtype: DataType = kind === 'mean' ? 'float32' : x.dtype === 'bool' ? 'int32' : x.dtype;
  const out = backend.makeOutput(keepDims ? plan.keptShape : plan.outShape, dtype); // [...kept]
  const transposed = plan.perm
    ? tf.tidy(() => tf.transpose(asTensor(x), plan.perm)) // [...kept, ...reduced]
    : undefined;
  try {
    // Views are taken after the last allocation: growing the heap detaches older ones.
    const outView = heapView(backend, out) as Float32Array | Int32Array;
    const xView = heapView(backend, transposed ?? x);
    if (plan.r === 0) outView.fill(0);
    else accumulate(xView, outView, plan.p, plan.r, plan.q, kind === 'mean' ? plan.r : 1);
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  } finally {
    transposed?.dispose();
  }
  return out;
}
