/**
 * Writes `rows` [n, D] into rows start…start+n−1 of a [K, D] variable: MoCo's enqueue
 * (`queue[:, ptr:ptr + n] = keys.T` in the reference, in place).
 *
 * On 'native' the variable's own buffer is written in place — one copy of n rows — when that
 * buffer is libtorch memory lent to this one tensor and nothing else refers to it or views it
 * (the queue's case between steps). Otherwise, and on every other backend, the variable is
 * reassigned a new [K, D] tensor built from slices and `rows` (at K = 65,536 that rebuilt
 * 32 MiB per step in JavaScript); on 'native' that tensor is made libtorch's, so the next write
 * can be in place.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME, type NativeBackend } from './native/native_backend.ts';

/** Whether the last `assignRows` wrote in place (for tests). */
let lastInPlace = false;

export function lastAssignRowsInPlace(): boolean {
  return lastInPlace;
}

export function assignRows(target: tf.Variable, rows: tf.Tensor, start: number): void {
  const [k, d] = target.shape;
  const n = rows.shape[0];
  if (target.rank !== 2 || rows.rank !== 2 || rows.shape[1] !== d || !Number.isInteger(start) || start < 0 || start + n > k) {
    throw new RangeError(`assignRows: rows [${rows.shape}] at row ${start} do not fit a [${target.shape}] variable`);
  }
  lastInPlace = false;
  if (n === 0) return;
  const native = tf.getBackend() === NATIVE_BACKEND_NAME ? (tf.backend() as NativeBackend) : undefined;
  if (native && target.dtype === 'float32' && rows.dtype === 'float32') {
    const values = native.soleLentValues(target.dataId);
    if (values && values.length === k * d) {
      values.set(native.readSync(rows.dataId) as Float32Array, start * d); // [n, D] into [K, D]
      lastInPlace = true;
      return;
    }
  }
  tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    if (start > 0) parts.push(tf.slice(target, [0, 0], [start, d])); // [start, D]
    parts.push(tf.cast(rows, target.dtype)); // [n, D]
    if (start + n < k) parts.push(tf.slice(target, [start + n, 0], [k - start - n, d])); // [K−start−n, D]
    const whole = parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts, 0); // [K, D]
    // On 'native', a native op's result: libtorch memory, writable in place next time.
    target.assign(native && whole.dtype === 'float32' ? tf.mul(whole, 1) : whole);
  });
}
