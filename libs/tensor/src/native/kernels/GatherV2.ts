/** GatherV2 of float32 values along one axis (batchDims 0, int32 indices) on at::index_select. */
import { backend_util, GatherV2, util, type GatherV2Attrs, type KernelConfig } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';

export const gatherV2Config: KernelConfig = {
  kernelName: GatherV2,
  backendName: 'native',
  kernelFunc: withCpuFallback(GatherV2, ({ inputs, backend, attrs }) => {
    const { x, indices } = inputs;
    const { axis, batchDims } = attrs as unknown as GatherV2Attrs;
    if (!allFloat32(x) || indices.dtype !== 'int32' || (batchDims ?? 0) !== 0 || indices.shape.some((d) => d === 0)) return undefined;
    const parsedAxis = util.parseAxisParam(axis, x.shape)[0];
    const info = backend_util.segment_util.collectGatherOpShapeInfo(x as never, indices as never, parsedAxis, 0);
    const idx = backend.data.get(indices.dataId).values as Int32Array;
    const y = backend.addon.gather(backend.floats(x), x.shape, idx, parsedAxis, info.outputShape); // [x before axis, indices, x after axis]
    return backend.output(info.outputShape, y);
  }),
};
