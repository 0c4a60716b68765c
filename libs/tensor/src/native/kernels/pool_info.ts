/** tfjs pooling attributes resolved to the addon's filter size and 9-integer spec. */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { convSpec, nativeConvOk } from './conv_geometry.ts';

export interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface NativePool {
  info: backend_util.Conv2DInfo;
  filter: number[];
  spec: number[];
}

/** The pool's geometry, or undefined for what the cpu kernel keeps (rounding modes, odd shapes). */
export function nativePool(x: TensorInfo, attrs: PoolAttrs): NativePool | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4 || x.shape.some((d) => d <= 0) || attrs.dimRoundingMode != null) return undefined;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (!nativeConvOk(info)) return undefined;
  return { info, filter: [info.filterHeight, info.filterWidth], spec: convSpec(info, false) };
}
