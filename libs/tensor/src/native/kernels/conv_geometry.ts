/** tfjs's resolved convolution geometry as the addon's 9-integer spec (see native/src/conv.cc). */
import type { backend_util } from '@tensorflow/tfjs-core';

export function convSpec(info: backend_util.Conv2DInfo, depthwise: boolean): number[] {
  const { top, bottom, left, right } = info.padInfo;
  return [info.strideHeight, info.strideWidth, top, bottom, left, right, info.dilationHeight, info.dilationWidth, depthwise ? 1 : 0];
}

/** The output extent libtorch computes for one spatial axis. */
function extent(size: number, padBefore: number, padAfter: number, filter: number, stride: number): number {
  return Math.floor((size + padBefore + padAfter - filter) / stride) + 1;
}

/**
 * Whether the addon takes this geometry. The cpu kernel keeps NCHW, negative pads, and output
 * sizes libtorch would not produce (tfjs sizes a numeric pad's width with the filter's height).
 */
export function nativeConvOk(info: backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    info.dataFormat === 'channelsLast' &&
    Math.min(top, bottom, left, right) >= 0 &&
    info.outShape.every((d) => d > 0) &&
    info.outHeight === extent(info.inHeight, top, bottom, info.effectiveFilterHeight, info.strideHeight) &&
    info.outWidth === extent(info.inWidth, left, right, info.effectiveFilterWidth, info.strideWidth)
  );
}
