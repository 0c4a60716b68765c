/** Float32 reductions over axes (Sum, Mean, Max, Min) on libtorch's pairwise-summing kernels. */
import { backend_util, Max, Mean, Min, Sum, util, type KernelConfig } from '@tensorflow/tfjs-core';
import { withCpuFallback } from './fallback.ts';
import { allFloat32 } from '../native_backend.ts';

function reduceConfig(kernelName: string): KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: withCpuFallback(kernelName, ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      // Max names its axes `reductionIndices`; the others `axis`.
      const a = attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims?: boolean };
      if (!allFloat32(x) || x.shape.length === 0) return undefined;
      const axes = util.parseAxisParam(a.axis ?? a.reductionIndices ?? [], x.shape);
      if (axes.length === 0) return undefined;
      const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const y = backend.addon.reduce(kernelName, backend.floats(x), x.shape, axes, outShape); // [x.shape without axes]
      return backend.output(a.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, y);
    }),
  };
}

export const REDUCE_CONFIGS: KernelConfig[] = [Sum, Mean, Max, Min].map(reduceConfig);
