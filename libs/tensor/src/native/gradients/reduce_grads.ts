/**
 * Mean's and Sum's gradients on 'native': tfjs multiplies the reshaped dy by a full-size
 * `ones(x.shape)` built in JavaScript (a fill loop and garbage for every BatchNorm statistic);
 * here dy (divided by the count, for Mean) is tiled to x's shape in one native pass. Same values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, Mean, Sum, util, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import type { NativeGradConfig } from './on_native.ts';

/** dy [x.shape without axes] spread over x's shape: [x.shape]. */
function spread(dy: Tensor, x: Tensor, attrs: NamedAttrMap, mean: boolean): Tensor {
  const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const scaled = mean ? tf.div(dy, util.sizeFromShape(reduceShape)) : dy; // [x.shape without axes]
  return tf.tile(tf.reshape(scaled, expanded), reps); // [x.shape]
}

const takes = (dy: Tensor, x: Tensor) => x.dtype === 'float32' && dy.dtype === 'float32' && x.size > 0;

export const meanGrad: NativeGradConfig = {
  kernelName: Mean,
  nativeGrad: (dy, [x], attrs) => (takes(dy, x) ? { x: () => spread(dy, x, attrs, true) } : undefined),
};

export const sumGrad: NativeGradConfig = {
  kernelName: Sum,
  nativeGrad: (dy, [x], attrs) => (takes(dy, x) ? { x: () => spread(dy, x, attrs, false) } : undefined),
};
