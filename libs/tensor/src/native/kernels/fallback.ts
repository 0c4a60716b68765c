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

/** How often each native kernel has declined its inputs and run the cpu kernel instead. */
const declined = new Map<string, number>();

/** Per kernel name, the calls a native kernel handed to the cpu kernel since the last reset. */
export function nativeFallbackCounts(): ReadonlyMap<string, number> {
  return declined;
}

export function resetNativeFallbackCounts(): void {
  declined.clear();
}

/**
 * A kernelFunc running `body`, or the cpu kernel of `kernelName` when `body` returns undefined
 * (it declines the inputs; counted in `nativeFallbackCounts`).
 */
export function withCpuFallback(kernelName: string, body: NativeKernelBody): KernelFunc {
  let cpu: KernelFunc | undefined;
  return (args) => {
    const out = body(args as unknown as NativeKernelArgs);
    if (out !== undefined) return out;
    declined.set(kernelName, (declined.get(kernelName) ?? 0) + 1);
    cpu ??= getKernel(kernelName, 'cpu')?.kernelFunc;
    if (!cpu) throw new Error(`native backend: no cpu kernel '${kernelName}' to fall back to`);
    return cpu(args);
  };
}
