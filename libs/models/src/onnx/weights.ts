/**
 * Our weights in ONNX's layouts, with eval-mode BatchNorm folded into the convolution before it:
 * for each output channel o, s = γ / √(σ² + ε), W'[o] = s · W[o], b'[o] = β + s · (b[o] − μ).
 * Arithmetic in float64, stored as float32.
 */
import type { BatchNorm2d, Conv2d, Linear } from '../nn/layers.ts';
import { OnnxExportError } from './errors.ts';

export interface ConvWeights {
  /** [Cout, Cin/groups, kh, kw] (ONNX `Conv` W). */
  weight: Float32Array;
  dims: [number, number, number, number];
  /** [Cout], absent when the conv has no bias and no BatchNorm was folded in. */
  bias?: Float32Array;
  group: number;
}

function values(t: { dataSync(): unknown }): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Conv2d weights, HWIO or depthwise HWCM, as ONNX OIHW (depthwise: out channel c·M + m, group C). */
export function convWeights(conv: Conv2d): ConvWeights {
  const [kh, kw, cin, last] = conv.weight.shape as [number, number, number, number];
  const w = values(conv.weight);
  const depthwise = (conv.cfg.groups ?? 1) !== 1;
  const cout = depthwise ? cin * last : last;
  const perOut = depthwise ? 1 : cin;
  const out = new Float32Array(cout * perOut * kh * kw);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let j = 0; j < last; j++) {
          const src = ((y * kw + x) * cin + i) * last + j;
          // dense: o = j, input channel i; depthwise: o = i·M + j, its single input channel 0.
          const [o, c] = depthwise ? [i * last + j, 0] : [j, i];
          out[((o * perOut + c) * kh + y) * kw + x] = w[src];
        }
      }
    }
  }
  return { weight: out, dims: [cout, perOut, kh, kw], bias: conv.bias ? values(conv.bias).slice() : undefined, group: depthwise ? cin : 1 };
}

/** `conv` followed by eval-mode `bn`, as one conv with bias. */
export function foldBatchNorm(conv: ConvWeights, bn: BatchNorm2d, where: string): ConvWeights {
  const cout = conv.dims[0];
  if (bn.channels !== cout) throw new OnnxExportError(`${where}: BatchNorm2d has ${bn.channels} channels after a conv with ${cout} outputs`);
  const [gamma, beta, mean, variance] = [bn.weight, bn.bias, bn.runningMean, bn.runningVar].map(values);
  const per = conv.weight.length / cout;
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = gamma[o] / Math.sqrt(variance[o] + bn.eps);
    for (let k = o * per; k < (o + 1) * per; k++) weight[k] = conv.weight[k] * s;
    bias[o] = beta[o] + s * ((conv.bias?.[o] ?? 0) - mean[o]);
  }
  return { ...conv, weight, bias };
}

/** Linear weights: ours are [in, out], which is ONNX `Gemm`'s B with transB = 0. */
export function linearWeights(linear: Linear): { weight: Float32Array; dims: [number, number]; bias?: Float32Array } {
  return {
    weight: values(linear.weight).slice(),
    dims: [linear.inFeatures, linear.outFeatures],
    bias: linear.bias ? values(linear.bias).slice() : undefined,
  };
}
