/** _FusedMatMul (matmul + bias + activation) on at::matmul, bias and activation in place. */
import { _FusedMatMul, type _FusedMatMulAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { NATIVE_ACTIVATIONS } from './activations.ts';
import { withCpuFallback } from './fallback.ts';
import { matmulOutShape } from './matmul_shape.ts';

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'native',
  kernelFunc: withCpuFallback(_FusedMatMul, ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights: prelu } = inputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as _FusedMatMulAttrs;
    if (!allFloat32(a, b, bias, prelu) || !NATIVE_ACTIVATIONS.has(activation)) return undefined;
    const outShape = matmulOutShape(a, b, transposeA, transposeB);
    if (!outShape) return undefined;
    const y = backend.addon.matmul(backend.floats(a), a.shape, backend.floats(b), b.shape, transposeA, transposeB, outShape,
      bias ? backend.floats(bias) : null, bias?.shape ?? [], activation, leakyreluAlpha ?? 0.2,
      prelu ? backend.floats(prelu) : null, prelu?.shape ?? []); // [..., M, N]
    return backend.output(outShape, y);
  }),
};
