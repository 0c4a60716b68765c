/** Transpose (any permutation) as one strided copy in libtorch. */
import { Transpose, type KernelConfig, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';

export const transposeConfig: KernelConfig = {
  kernelName: Transpose,
  backendName: 'native',
  kernelFunc: withCpuFallback(Transpose, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const { perm } = attrs as unknown as TransposeAttrs;
    if (!allFloat32(x) || perm.length !== x.shape.length || x.shape.length === 0) return undefined;
    const outShape = perm.map((p) => x.shape[p]);
    return backend.output(outShape, backend.addon.transpose(backend.floats(x), x.shape, perm, outShape)); // [x.shape permuted]
  }),
};
