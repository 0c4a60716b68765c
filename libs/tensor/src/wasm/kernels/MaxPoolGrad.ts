/**
 * MaxPoolGrad for wasm, replacing the stock kernel, whose C++ starts each window's running
 * maximum at `std::numeric_limits<float>::min()` — the smallest *positive* float, not −∞ — so a
 * window whose values are all ≤ 0 keeps the initial position 0 and its gradient is lost (or
 * lands on the tensor's first element). Composed of ops with the cpu backend's rule: each
 * window's gradient goes to its first maximum in row-major tap order; padding never wins.
 *
 *   dx[n, oh·s + kh − top, ow·s + kw − left, c] += dy[n, oh, ow, c] · [tap (kh, kw) is the first max]
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { asTensor, dilateSpatial } from './compose.ts';

function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  attrs: MaxPoolGradAttrs;
}): tf.Tensor4D {
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(args.inputs.dy); // [N, OH, OW, C]
    const x = asTensor<tf.Tensor4D>(args.inputs.input); // [N, H, W, C]
    const y = asTensor<tf.Tensor4D>(args.inputs.output); // [N, OH, OW, C]
    const info = backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [n, h, w, c] = x.shape;
    // Padded frame holding every window: rows [−top, (oh−1)·sh + fh − top).
    const hp = Math.max((oh - 1) * sh + fh, h + top);
    const wp = Math.max((ow - 1) * sw + fw, w + left);
    const xp = tf.pad(x, [[0, 0], [top, hp - h - top], [left, wp - w - left], [0, 0]], -Infinity); // [N, Hp, Wp, C]
    let taken = tf.zeros(y.shape, 'bool') as tf.Tensor4D; // [N, OH, OW, C]
    let acc = tf.zeros([n, hp, wp, c]) as tf.Tensor4D; // [N, Hp, Wp, C]
    for (let kh = 0; kh < fh; kh++) {
      for (let kw = 0; kw < fw; kw++) {
        const end = [n, kh + (oh - 1) * sh + 1, kw + (ow - 1) * sw + 1, c];
        const xt = tf.stridedSlice(xp, [0, kh, kw, 0], end, [1, sh, sw, 1]); // [N, OH, OW, C]
        const hit = tf.logicalAnd(tf.equal(xt, y), tf.logicalNot(taken)); // [N, OH, OW, C]
        taken = tf.logicalOr(taken, hit);
        const g = dilateSpatial(tf.mul(dy, tf.cast(hit, 'float32')), sh, sw); // [N, OH·sh, OW·sw, C]
        const gc = tf.slice(g, [0, 0, 0, 0], [n, Math.min(oh * sh, hp - kh), Math.min(ow * sw, wp - kw), c]);
        const placed = tf.pad(gc, [[0, 0], [kh, hp - kh - gc.shape[1]], [kw, wp - kw - gc.shape[2]], [0, 0]]); // [N, Hp, Wp, C]
        acc = tf.add(acc, placed);
      }
    }
    return tf.slice(acc, [0, top, left, 0], [n, h, w, c]); // [N, H, W, C]
  });
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
