/**
 * UnsortedSegmentSum for wasm (stock wasm has none; it is the gradient of `gather`):
 *
 *   out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]
 *
 * as one ScatterNd (which sums duplicate indices). The ids are checked first because the wasm
 * ScatterNd writes unchecked: negative ids are dropped (TensorFlow's rule), an id ≥ numSegments
 * is an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  UnsortedSegmentSum,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { asTensor, WasmKernelError } from './compose.ts';

function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: UnsortedSegmentSumAttrs;
}): tf.Tensor {
  const { numSegments } = args.attrs;
  return tf.tidy(() => {
    const x = asTensor(args.inputs.x); // [...S, ...R]
    const segmentIds = asTensor(args.inputs.segmentIds); // [...S]
    const k = segmentIds.size;
    const rest = x.shape.slice(segmentIds.rank); // R
    const ids = segmentIds.dataSync(); // [K]
    const keep: number[] = [];
    for (let i = 0; i < k; i++) {
      if (ids[i] >= numSegments) {
        throw new WasmKernelError(`${UnsortedSegmentSum}: segmentIds[${i}] = ${ids[i]} is not in [0, ${numSegments})`);
      }
      if (ids[i] >= 0) keep.push(i);
    }
    if (keep.length === 0) return tf.zeros([numSegments, ...rest], x.dtype); // [numSegments, ...R]
    let rows = tf.reshape(x, [k, ...rest]); // [K, ...R]
    let idx = tf.reshape(tf.cast(segmentIds, 'int32'), [k, 1]); // [K, 1]
    if (keep.length < k) {
      const kept = tf.tensor1d(keep, 'int32'); // [K']
      rows = tf.gather(rows, kept); // [K', ...R]
      idx = tf.gather(idx, kept); // [K', 1]
    }
    return tf.scatterND(idx, rows, [numSegments, ...rest]); // [numSegments, ...R]
  });
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
