/** Tile (numpy tile) on libtorch's repeat: BatchNorm's and Mean's gradients tile full-size tensors. */
import { Tile, type KernelConfig, type TileAttrs } from '@tensorflow/tfjs-core';
import { allFloat32 } from '../native_backend.ts';
import { withCpuFallback } from './fallback.ts';

export const tileConfig: KernelConfig = {
  kernelName: Tile,
  backendName: 'native',
  kernelFunc: withCpuFallback(Tile, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const { reps } = attrs as unknown as TileAttrs;
    if (!allFloat32(x) || reps.length !== x.shape.length || reps.some((r) => r <= 0)) return undefined;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    return backend.output(outShape, backend.addon.tile(backend.floats(x), x.shape, reps, outShape)); // [x.shape · reps]
  }),
};
