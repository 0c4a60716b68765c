/**
 * Rows of a wasm tensor along its first axis, copied inside the heap (one memmove). tfjs's wasm
 * Slice kernel first copies the WHOLE input out of the heap (`readSync`) for every slice it
 * takes, so cutting a batch into G parts with it costs G full copies; this costs one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { isWasmBackend } from '../wasm_backend.ts';
import { WasmKernelError } from './compose.ts';

/** Chunks of at most `chunk` rows covering `rows`, as [start, count]: (10, 4) → [0,4] [4,4] [8,2]. */
export function rowChunks(rows: number, chunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < rows; start += chunk) out.push([start, Math.min(chunk, rows - start)]);
  return out;
}

/** x[start : start + count] as a new tensor (tracked by the current scope). */
export function copyRows<T extends tf.Tensor>(x: T, start: number, count: number): T {
  const backend = tf.backend();
  if (!isWasmBackend(backend)) throw new WasmKernelError('copyRows: the wasm backend is not active');
  if (start < 0 || count < 0 || start + count > x.shape[0]) {
    throw new WasmKernelError(`copyRows: rows [${start}, ${start + count}) are not inside [0, ${x.shape[0]})`);
  }
  const rowBytes = util.bytesPerElement(x.dtype) * util.sizeFromShape(x.shape.slice(1));
  const out = backend.makeOutput([count, ...x.shape.slice(1)], x.dtype); // [count, ...]
  // Offsets and the heap view are read after the allocation: growing the heap replaces the view.
  const src = backend.dataIdMap.get(x.dataId).memoryOffset + start * rowBytes;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
  backend.wasm.HEAPU8.copyWithin(dst, src, src + count * rowBytes);
  return tf.engine().makeTensorFromTensorInfo(out) as T;
}
