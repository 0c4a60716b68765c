/**
 * Loads disco's native addon (`libs/tensor/native`, N-API over Debian's libtorch), built by
 * node-gyp when `npm install` runs its install script. Absent where libtorch or a C++ compiler
 * was missing at install time: `loadNativeAddon` then throws a `NativeBackendError` saying why.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Shapes and integer lists cross as plain arrays; tensors as the cpu backend's Float32Arrays. */
type Shape = readonly number[];
type F32 = Float32Array;

/** The functions `libs/tensor/native/src/*.cc` export (see each file for the argument order). */
export interface NativeAddon {
  /** gemm: 'onednn' (dnnl_sgemm found in the process) or 'libtorch' (at::mm, the system BLAS). */
  info(): { threads: number; mkldnn: boolean; torchVersion: string; cachedBytes: number; gemm: 'onednn' | 'libtorch' };
  setThreads(n: number): void;
  /** Frees a result the addon lent (JavaScript must not touch the array again); false if it lent none there. */
  release(values: F32): boolean;
  /** How many lent results are still alive. */
  lentCount(): number;
  conv2d(x: F32, xShape: Shape, filter: F32, filterShape: Shape, spec: Shape, outShape: Shape,
    bias?: F32 | null, biasShape?: Shape, activation?: string, leakyAlpha?: number, prelu?: F32 | null, preluShape?: Shape): F32;
  conv2dBackpropInput(dy: F32, dyShape: Shape, filter: F32, filterShape: Shape, spec: Shape, inShape: Shape): F32;
  conv2dBackpropFilter(x: F32, xShape: Shape, dy: F32, dyShape: Shape, spec: Shape, filterShape: Shape): F32;
  matmul(a: F32, aShape: Shape, b: F32, bShape: Shape, transposeA: boolean, transposeB: boolean, outShape: Shape,
    bias?: F32 | null, biasShape?: Shape, activation?: string, leakyAlpha?: number, prelu?: F32 | null, preluShape?: Shape): F32;
  binary(op: string, a: F32, aShape: Shape, b: F32, bShape: Shape, outShape: Shape): F32;
  unary(op: string, x: F32, xShape: Shape, alpha?: number): F32;
  elementwiseGrad(op: string, dy: F32, x: F32, shape: Shape): F32;
  reduce(op: string, x: F32, xShape: Shape, axes: Shape, outShape: Shape): F32;
  tile(x: F32, xShape: Shape, reps: Shape, outShape: Shape): F32;
  transpose(x: F32, xShape: Shape, perm: Shape, outShape: Shape): F32;
  batchNorm(x: F32, xShape: Shape, mean: F32, variance: F32, offset: F32 | null, scale: F32 | null, epsilon: number): F32;
  batchNormGrad(dy: F32, x: F32, xShape: Shape, mean: F32, variance: F32, scale: F32 | null, epsilon: number): [F32, F32, F32, F32, F32];
  batchNormTrain(x: F32, xShape: Shape, scale: F32 | null, offset: F32 | null, epsilon: number): [F32, F32, F32];
  batchNormTrainGrad(dy: F32, x: F32, xShape: Shape, scale: F32 | null, mean: F32, variance: F32,
    dMean: F32 | null, dVariance: F32 | null, epsilon: number): [F32, F32, F32];
  sgdMomentum(param: F32, grad: F32, buf: F32, length: number, lr: number, momentum: number, weightDecay: number): [F32, F32];
  maxPool(x: F32, xShape: Shape, filter: Shape, spec: Shape, outShape: Shape): F32;
  maxPoolGrad(dy: F32, dyShape: Shape, x: F32, xShape: Shape, filter: Shape, spec: Shape): F32;
  avgPool(x: F32, xShape: Shape, filter: Shape, spec: Shape, outShape: Shape): F32;
  avgPoolGrad(dy: F32, dyShape: Shape, xShape: Shape, filter: Shape, spec: Shape): F32;
  distInfo(): { available: boolean; reason: string; rank: number; worldSize: number };
  distInit(rank: number, worldSize: number, host: string, port: number, timeoutMs: number, prefix: string): void;
  distStoreSet(key: string, value: string): void;
  distStoreGet(key: string): string;
  distAllreduce(values: F32, length: number, average: boolean): F32;
  distAllreduceMany(arrays: F32[], average: boolean): F32;
  distAllgather(values: F32, length: number): F32;
  distBroadcast(values: F32, length: number, root: number): F32;
  distBarrier(): void;
  distDestroy(): void;
  gather(x: F32, xShape: Shape, indices: Int32Array, axis: number, outShape: Shape): F32;
  emaUpdate(key: F32, query: F32, length: number, m: number, oneMinusM: number): F32;
  queueCrossEntropy(q: F32, pos: F32, queue: F32, n: number, d: number, k: number, T: number, targets: F32 | null): [F32, F32];
  queueCrossEntropyGrad(dy: F32, q: F32, pos: F32, queue: F32, probs: F32, n: number, d: number, k: number, T: number, targets: F32 | null, which: number[]): [F32, F32, F32];
}

export class NativeBackendError extends Error {
  override name = 'NativeBackendError';
}

/**
 * Where node-gyp puts the addon, and where the install script records why it did not build.
 * With DISCO_NATIVE_SANITIZE set (address, undefined), the sanitizer variant the install script
 * builds beside it (its runtime must be preloaded: test/engine does so).
 */
const NATIVE_DIR = fileURLToPath(new URL('../../native/', import.meta.url));
const SANITIZE = process.env.DISCO_NATIVE_SANITIZE;
const BUILD_DIR = SANITIZE ? `${NATIVE_DIR}build-sanitize-${SANITIZE.replace(',', '-')}/build/` : `${NATIVE_DIR}build/`;
export const ADDON_PATH = `${BUILD_DIR}Release/disco_tensor_native.node`;
export const SKIP_NOTE_PATH = `${NATIVE_DIR}build/skipped.json`;

/** Why the install script did not build the addon, and whether it was for want of libtorch. */
export interface NativeSkipNote {
  reason: string;
  libtorchMissing: boolean;
}

/** The install script's note, or undefined when it built the addon (or never ran). */
export function nativeSkipNote(): NativeSkipNote | undefined {
  if (!existsSync(SKIP_NOTE_PATH)) return undefined;
  return JSON.parse(readFileSync(SKIP_NOTE_PATH, 'utf8')) as NativeSkipNote;
}

let addon: NativeAddon | undefined;

/** The addon, loaded once; throws `NativeBackendError` (not built, or libtorch missing at run time). */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    const why = nativeSkipNote()?.reason ?? 'npm install has not built it';
    throw new NativeBackendError(`native addon ${ADDON_PATH} is absent: ${why}`);
  }
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new NativeBackendError(`native addon ${ADDON_PATH} did not load (is libtorch installed?): ${msg}`);
  }
  return addon;
}
