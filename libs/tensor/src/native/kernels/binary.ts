/**
 * Broadcasting float32 binary ops (Add, Sub, Multiply, RealDiv, SquaredDifference, Maximum,
 * Minimum) on libtorch; other dtypes (int32 index math, complex) stay on the cpu kernels.
 */
import { Add, backend_util, Maximum, Minimum, Multiply, RealDiv, SquaredDifference, Sub, type KernelConfig } from '@tensorflow/tfjs-core';
import { withCpuFallback } from './fallback.ts';
import { allFloat32 } from '../native_backend.ts';

function binaryConfig(kernelName: string): KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: withCpuFallback(kernelName, ({ inputs, backend }) => {
      const { a, b } = inputs;
      if (!allFloat32(a, b)) return undefined;
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const y = backend.addon.binary(kernelName, backend.floats(a), a.shape, backend.floats(b), b.shape, outShape); // [broadcast of a, b]
      return backend.output(outShape, y);
    }),
  };
}

export const BINARY_CONFIGS: KernelConfig[] = [Add, Sub, Multiply, RealDiv, SquaredDifference, Maximum, Minimum].map(binaryConfig);
