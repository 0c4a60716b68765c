/**
 * The input gradient of a strided convolution by sub-pixel phases, for Conv2DBackpropInput.
 *
 * Output rows h = φ + s·t (phase φ ∈ [0, s)) receive only the taps kh ≡ φ + top (mod s):
 *
 *   dx[φ + s·t] = Σ_j dy[c + t − j] · W[k0 + s·j],   k0 = (φ + top) mod s,  c = (φ + top − k0) / s
 *
 * — a stride-1 convolution of dy with the flipped sub-filter W[k0::s]. The s² phases together do
 * the work of one forward convolution; dilating dy with zeros instead would do s² times as much.
 * The phases are then interleaved back into [N, H, W, Ci].
 */
import * as tf from '@tensorflow/tfjs-core';
import { cropNegative, dilateSpatial } from './compose.ts';

/** One axis of one phase. */
interface AxisPhase {
  k0: number; // first tap of the sub-filter
  taps: number; // sub-filter length (0: this phase receives nothing)
  before: number; // front padding of dy (negative: crop)
  after: number; // back padding of dy (negative: crop)
  len: number; // output positions in this phase
}

function axisPhase(phi: number, s: number, f: number, top: number, inLen: number, outLen: number): AxisPhase {
  const k0 = (phi + top) % s;
  const c = (phi + top - k0) / s;
  const taps = k0 < f ? Math.ceil((f - k0) / s) : 0;
  const len = Math.ceil((inLen - phi) / s);
  const before = taps - 1 - c;
  return { k0, taps, before, after: len + taps - 1 - outLen - before, len };
}

/**
 * dx [N, H, W, Ci] of a convolution with `filter` [fh, fw, Ci, Co], strides (sh, sw), front
 * padding (top, left), given dy [N, OH, OW, Co].
 */
/**
 * dx of a 1×1 convolution with strides (sh, sw): the product dy·Wᵀ lands on every sh-th row and
 * sw-th column (from `top`, `left`), zeros elsewhere.
 */
export function convInputGradPointwise(
  dy: tf.Tensor4D, // [N, OH, OW, Co]
  filter: tf.Tensor4D, // [1, 1, Ci, Co]
  [n, h, w, ci]: [number, number, number, number],
  [sh, sw]: [number, number],
  [top, left]: [number, number],
): tf.Tensor4D {
  const wt = tf.transpose(filter, [0, 1, 3, 2]); // [1, 1, Co, Ci]
  const y = dilateSpatial(tf.conv2d(dy, wt, 1, 'valid'), sh, sw); // [N, OH·sh, OW·sw, Ci]
  // dx[h] = y[h + top]: drop `top` leading rows, then pad or crop to H.
  const { x: yc, pad } = cropNegative(y, [-top, h + top - y.shape[1]], [-left, w + left - y.shape[2]]);
  return pad[1][1] + pad[2][1] === 0 ? yc : tf.pad(yc, pad); // [N, H, W, Ci]
}

export function convInputGradByPhases(
  dy: tf.Tensor4D, // [N, OH, OW, Co]
  filter: tf.Tensor4D, // [fh, fw, Ci, Co]
  [n, h, w, ci]: [number, number, number, number],
  [sh, sw]: [number, number],
  [top, left]: [number, number],
): tf.Tensor4D {
  const [fh, fw] = filter.shape;
  const [, oh, ow] = dy.shape;
  const th = Math.ceil(h / sh);
  const tw = Math.ceil(w / sw);
  const rows: tf.Tensor[] = [];
  for (let ph = 0; ph < sh; ph++) {
    const cols: tf.Tensor[] = [];
    for (let pw = 0; pw < sw; pw++) {
      const a = axisPhase(ph, sh, fh, top, h, oh);
      const b = axisPhase(pw, sw, fw, left, w, ow);
      let part: tf.Tensor4D; // [N, a.len, b.len, Ci]
      if (a.taps === 0 || b.taps === 0) {
        part = tf.zeros([n, a.len, b.len, ci]);
      } else {
        const sub = tf.stridedSlice(filter, [a.k0, b.k0, 0, 0], [fh, fw, ci, filter.shape[3]], [sh, sw, 1, 1]) as tf.Tensor4D; // [taps_h, taps_w, Ci, Co]
        const wt = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]); // [taps_h, taps_w, Co, Ci]
        const { x: dyc, pad } = cropNegative(dy, [a.before, a.after], [b.before, b.after]);
        part = tf.conv2d(dyc, wt, 1, pad); // [N, a.len, b.len, Ci]
      }
      // Every phase padded to the common [N, th, tw, Ci] (the last ones may be one shorter).
      cols.push(a.len === th && b.len === tw ? part : tf.pad(part, [[0, 0], [0, th - a.len], [0, tw - b.len], [0, 0]]));
    }
    rows.push(tf.stack(cols, 3)); // [N, th, tw, sw, Ci]
  }
  const interleaved = tf.reshape<tf.Rank.R4>(tf.stack(rows, 2), [n, th * sh, tw * sw, ci]); // [N, th·sh, tw·sw, Ci]
  return tf.slice(interleaved, [0, 0, 0, 0], [n, h, w, ci]); // [N, H, W, Ci]
}
