/**
 * Helpers for wasm kernels written as compositions of tfjs ops.
 *
 * Ops called inside a registered kernel's `kernelFunc` run with the engine's kernel depth > 0,
 * so they are never recorded on the gradient tape: composing ops there is safe. A kernel returns
 * a `tf.Tensor` made inside `tf.tidy`; the engine adopts a returned Tensor as the kernel's output
 * as-is (it only wraps bare TensorInfos), and the tidy disposes every intermediate.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Raised when a disco wasm kernel is called with arguments it does not support. */
export class WasmKernelError extends Error {
  override name = 'WasmKernelError';
}

/**
 * A Tensor for a kernel input. Inputs reaching a kernel through `engine.runKernel` already are
 * Tensors; a bare TensorInfo (a backend-internal call) is wrapped with its own reference, so
 * disposing the wrapper inside `tf.tidy` leaves the caller's data alive.
 */
export function asTensor<T extends tf.Tensor = tf.Tensor>(info: tf.TensorInfo): T {
  if (info instanceof tf.Tensor) return info as T;
  const engine = tf.engine();
  engine.backend.incRef(info.dataId);
  return engine.makeTensorFromTensorInfo(info) as T;
}

/** [height, width] from a tfjs `number | [number, number]` attribute. */
export function pair(v: number | [number, number] | undefined, fallback = 1): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Refuses dilations other than 1 (tfjs's own gradients never ask for them). */
export function assertNoDilation(kernel: string, dilations: number | [number, number] | undefined): void {
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1) {
    throw new WasmKernelError(`${kernel}: dilations [${dh}, ${dw}] are not supported (only 1)`);
  }
}

/** Refuses NCHW: the wasm backend's forward convolutions are NHWC only. */
export function assertChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new WasmKernelError(`${kernel}: dataFormat '${dataFormat}' is not supported on wasm (use NHWC)`);
  }
}

/**
 * Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC tensor.
 * Crops are applied here with a slice; positive amounts are returned for the caller to hand to
 * the convolution as explicit padding, which costs no copy.
 */
export function cropNegative(
  x: tf.Tensor4D, // [N, H, W, C]
  [top, bottom]: [number, number],
  [left, right]: [number, number],
): { x: tf.Tensor4D; pad: [[0, 0], [number, number], [number, number], [0, 0]] } {
  const [n, h, w, c] = x.shape;
  const cropT = Math.max(0, -top);
  const cropB = Math.max(0, -bottom);
  const cropL = Math.max(0, -left);
  const cropR = Math.max(0, -right);
  const cropped =
    cropT + cropB + cropL + cropR === 0
      ? x
      : tf.slice(x, [0, cropT, cropL, 0], [n, h - cropT - cropB, w - cropL - cropR, c]); // [N, H', W', C]
  return {
    x: cropped,
    pad: [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]],
  };
}

/**
 * Inserts `sh - 1` zero rows after every row and `sw - 1` zero columns after every column:
 * [N, H, W, C] → [N, H·sh, W·sw, C] (the trailing zeros are kept; callers account for them).
 */
export function dilateSpatial(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const x6 = tf.reshape(x, [n, h, 1, w, 1, c]); // [N, H, 1, W, 1, C]
  const padded = tf.pad(x6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]); // [N, H, sh, W, sw, C]
  return tf.reshape(padded, [n, h * sh, w * sw, c]); // [N, H·sh, W·sw, C]
}

/**
 * [N, H, W, C] → [C, H, W, N]. The wasm Transpose kernel moves single floats for this
 * permutation (~4× slower than a copy); a 2-D transpose then a chunked [1, 0, 2] one is ~4× faster.
 */
export function swapBatchAndChannels(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const t = tf.transpose(tf.reshape(x, [n, h * w * c])); // [H·W·C, N]
  const chunked = tf.transpose(tf.reshape(t, [h * w, c, n]), [1, 0, 2]); // [C, H·W, N]
  return tf.reshape(chunked, [c, h, w, n]); // [C, H, W, N]
}
