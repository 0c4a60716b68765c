/**
 * `DiscoSgdMomentum` (param, grad, buf; lr, momentum, weightDecay) → [param', buf']: one
 * momentum-SGD update in one native pass. 'native' only: `sgdMomentumStep` composes tfjs ops on
 * every other backend. Not differentiable (an optimiser step is never on a tape).
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_SGD_MOMENTUM = 'DiscoSgdMomentum';

export interface DiscoSgdMomentumAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
}

export const discoSgdMomentumConfig: KernelConfig = {
  kernelName: DISCO_SGD_MOMENTUM,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { param, grad, buf } = inputs;
    const { lr, momentum, weightDecay } = attrs as unknown as DiscoSgdMomentumAttrs;
    const [paramNext, bufNext] = backend.addon.sgdMomentum(backend.floats(param), backend.floats(grad), backend.floats(buf), param.shape.reduce((a, b) => a * b, 1),
      lr, momentum, weightDecay);
    return [backend.output([...param.shape], paramNext), backend.output([...param.shape], bufNext)]; // [same as param] ×2
  },
};
