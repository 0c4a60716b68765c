/**
 * `DiscoEma` (key, query; m) → key': the EMA update of one parameter in one native pass.
 * 'native' only: `emaUpdate` composes tfjs ops on every other backend. Not differentiable.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_EMA = 'DiscoEma';

export const discoEmaConfig: KernelConfig = {
  kernelName: DISCO_EMA,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { key, query } = inputs;
    const m = (attrs as { m: number }).m;
    const out = backend.addon.emaUpdate(backend.floats(key), backend.floats(query), key.shape.reduce((a, b) => a * b, 1), m, 1 - m);
    return backend.output([...key.shape], out); // [same as key]
  },
};
