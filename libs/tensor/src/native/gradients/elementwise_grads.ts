/**
 * Relu's, Relu6's and Square's gradients on 'native' as one fused pass each
 * (`DiscoElementwiseGrad`): tfjs's are two to five full-size ops (Relu: dy · cast(step(x));
 * Relu6: dy · cast(lessEqual(x, 6) · step(x)), whose comparisons are JavaScript kernels;
 * Square: dy · (x · 2)). Square's values are bit-identical to tfjs's, Relu6's too but at a NaN
 * input (tfjs's step keeps the NaN in its mask: NaN; here 0).
 * Square's values are bit-identical to tfjs's. Relu's differ only where x is NaN: tfjs gives
 * NaN there, libtorch's threshold_backward (what PyTorch uses) gives dy; the forward value at
 * such an x is NaN already.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Relu, Relu6, Square, type Tensor } from '@tensorflow/tfjs-core';
import { DISCO_ELEMENTWISE_GRAD } from '../kernels/DiscoElementwiseGrad.ts';
import type { NativeGradConfig } from './on_native.ts';

const takes = (dy: Tensor, x: Tensor) => x.dtype === 'float32' && dy.dtype === 'float32' && x.size > 0 && dy.size === x.size;

function fused(kernelName: string): NativeGradConfig {
  return {
    kernelName,
    nativeGrad: (dy, [x]) =>
      takes(dy, x) ? { x: () => tf.engine().runKernel(DISCO_ELEMENTWISE_GRAD, { dy, x }, { op: kernelName }) as Tensor } : undefined, // [same as x]
  };
}

export const reluGrad = fused(Relu);
export const relu6Grad = fused(Relu6);
export const squareGrad = fused(Square);
