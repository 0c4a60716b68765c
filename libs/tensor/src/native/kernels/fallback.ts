/**
 * A native kernel's way out: the cpu backend's kernel for the same op, for inputs the addon
 * does not take (other dtypes, empty tensors, NCHW, rounding modes). The 'native' backend is a
 * cpu backend, so the cpu kernel runs on it unchanged.
 */
import { getKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeBackend } from '../native_backend.ts';

export interface NativeKernelArgs {
  /** Optional inputs (bias, prelu weights, offset, scale) are undefined when absent: test before use. */
  inputs: Record<string, TensorInfo>;
  backend: NativeBackend;
  attrs?: NamedAttrMap;
}

export type NativeKernelBody = (args: NativeKernelArgs) => TensorInfo | TensorInfo[] | undefined;

/**
 * A kernelFunc running `body`, or the cpu kernel of `kernelName` when `body` returns undefined
 * (it declines the inputs).
 */
export function withCpuFallback(kernelName: string, body: NativeKernelBody): KernelFunc {
  let cpu: KernelFunc | undefined;
  return (args) => {
    const out = body(args as unknown as NativeKernelArgs);
    if (out !== undefined) return out;
    cpu ??= getKernel(kernelName, 'cpu')?.kernelFunc;
    if (!cpu) throw new Error(`native backend: no cpu kernel '${kernelName}' to fall back to`);
    return cpu(args);
  };
}
