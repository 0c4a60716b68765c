/**
 * Float32 elementwise unary ops on libtorch (Relu, Relu6, Square, Sqrt, Rsqrt, Neg, Exp, Log,
 * Abs, Sigmoid, Tanh, Elu; LeakyRelu and Step with their alpha).
 */
import { Abs, Elu, Exp, LeakyRelu, Log, Neg, Relu, Relu6, Rsqrt, Sigmoid, Sqrt, Square, Step, Tanh, type KernelConfig } from '@tensorflow/tfjs-core';
import { withCpuFallback } from './fallback.ts';
import { allFloat32 } from '../native_backend.ts';

function unaryConfig(kernelName: string): KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: withCpuFallback(kernelName, ({ inputs, backend, attrs }) => {
      const { x } = inputs;
      if (!allFloat32(x)) return undefined;
      const alpha = (attrs as { alpha?: number } | undefined)?.alpha ?? 0;
      return backend.output([...x.shape], backend.addon.unary(kernelName, backend.floats(x), x.shape, alpha)); // [same as x]
    }),
  };
}

export const UNARY_CONFIGS: KernelConfig[] = [Relu, Relu6, Square, Sqrt, Rsqrt, Neg, Exp, Log, Abs, Sigmoid, Tanh, Elu, LeakyRelu, Step].map(unaryConfig);
