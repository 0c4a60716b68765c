/** `DiscoElementwiseGrad`: the gradient of an elementwise op (attr `op`: Relu, Relu6, Square) in one pass. */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type { NativeKernelArgs } from './fallback.ts';

export const DISCO_ELEMENTWISE_GRAD = 'DiscoElementwiseGrad';

export const discoElementwiseGradConfig: KernelConfig = {
  kernelName: DISCO_ELEMENTWISE_GRAD,
  backendName: 'native',
  kernelFunc: (args) => {
    const { inputs, backend, attrs } = args as unknown as NativeKernelArgs;
    const { dy, x } = inputs;
    const op = (attrs as { op: string }).op;
    return backend.output([...x.shape], backend.addon.elementwiseGrad(op, backend.floats(dy), backend.floats(x), x.shape)); // [same as x]
  },
};
