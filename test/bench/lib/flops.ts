/**
 * FLOPs of one forward pass, counted from the shapes of the convolution and matrix-product
 * kernels the model actually runs (a `tf.profile` of a batch-1 forward). One multiply-add is
 * 2 FLOPs. BatchNorm, ReLU, additions and pooling are left out (memory-bound, < 1 % of a
 * ResNet's FLOPs). A training step is counted as 3× the forward: the backward pass of a conv
 * or linear layer computes the input gradient and the weight gradient, each as many
 * multiply-adds as the forward (the stem's unneeded input gradient is included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@disco/models';

type Shape = readonly number[];

function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** FLOPs of one kernel call from its input and output shapes; 0 for kernels we do not count. */
export function kernelFlop(name: string, inputs: readonly (Shape | null)[], outputs: readonly Shape[]): number {
  const out = outputs[0];
  if (!out) return 0;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const [kh, kw, cin] = inputs[1]!; // filter [kh, kw, Cin, Cout]
      return 2 * size(out) * kh * kw * cin;
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const [kh, kw] = inputs[1]!; // filter [kh, kw, C, M]
      return 2 * size(out) * kh * kw;
    }
    case 'BatchMatMul':
    case '_FusedMatMul':
    case 'MatMul': {
      // out [..., M, N]; the shared dimension K = |a| / (batch · M), whatever a's transpose.
      const m = out[out.length - 2];
      const batch = size(out.slice(0, -2));
      const k = size(inputs[0]!) / (batch * m);
      return 2 * size(out) * k;
    }
    default:
      return 0;
  }
}

export interface ForwardFlop {
  /** FLOPs of one example's forward pass. */
  perExample: number;
  /** The same, by kernel name. */
  byKernel: Record<string, number>;
}

/** Profiles one eval-mode forward of a single `[1, size, size, 3]` zero image and counts its FLOPs. */
export async function countForwardFlop(model: Module, imageSize: number): Promise<ForwardFlop> {
  const profile = await tf.profile(() => tf.tidy(() => model.forward(tf.zeros([1, imageSize, imageSize, 3]), { bn: 'eval' })));
  tf.dispose(profile.result);
  const byKernel: Record<string, number> = {};
  let perExample = 0;
  for (const k of profile.kernels) {
    const flop = kernelFlop(k.name, k.inputShapes, k.outputShapes);
    if (flop === 0) continue;
    byKernel[k.name] = (byKernel[k.name] ?? 0) + flop;
    perExample += flop;
  }
  return { perExample, byKernel };
}

/** Forward passes a training step costs in FLOPs (forward + backward ≈ 2× forward). */
export const TRAIN_STEP_FORWARDS = 3;
