/** BatchMatMul on at::matmul (transposes are strided views, never copies). */
import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';
import { matmulOutShape } from './matmul_shape.ts';

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'native',
  kernelFunc: withCpuFallback(BatchMatMul, ({ inputs, backend, attrs }) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const outShape = allFloat32(a, b) ? matmulOutShape(a, b, transposeA, transposeB) : undefined;
    if (!outShape) return undefined;
    const y = backend.addon.matmul(backend.floats(a), a.shape, backend.floats(b), b.shape, transposeA, transposeB, outShape); // [..., M, N]
    return backend.output(outShape, y);
  }),
};
