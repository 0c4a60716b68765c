/**
 * Picks the tfjs backend once per process: tfjs-node-gpu > tfjs-node > native > wasm > cpu
 * ('native': disco's libtorch addon, `native/`, built by `npm install` where libtorch-dev is).
 * `DISCO_BACKEND` (one of BACKEND_NAMES) forces a choice. What was chosen, and why each
 * earlier candidate was not, is kept in `backendInfo()` and logged by callers.
 * This is the only file in disco that knows which backend is loaded.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmTrainingKernels } from './wasm/register.ts';
import { registerGradients } from './gradients.ts';
import { registerNativeBackend } from './native/register.ts';
import { selfCheckNative } from './native/self_check.ts';

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was not chosen (absent for the chosen one). */
  reason?: string;
}

export interface BackendInfo {
  /** disco's name for the backend in use. */
  name: BackendName;
  /** tfjs's own name for it (`tensorflow`, `native`, `wasm`, `cpu`). */
  tfjsName: string;
  tfjsVersion: string;
  /** Threads the backend computes with (1 for wasm under Node: tfjs turns wasm threads off; native: libtorch's intra-op threads). */
  threads: number;
  simd: boolean;
  forcedBy?: string;
  attempts: BackendAttempt[];
}

export class BackendError extends Error {
  override name = 'BackendError';
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/** The backend chosen by `initBackend`; throws if it has not run. */
export function backendInfo(): BackendInfo {
  if (!current) throw new BackendError('backend not initialised: call initBackend() first');
  return current;
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 200);
}

async function tryNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<void> {
  // A package present without its native binding throws a plain Error at import: catch all.
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new BackendError(`${pkg} loaded but backend 'tensorflow' did not start`);
}

/** libtorch's intra-op thread count once 'native' has started. */
let nativeThreads = 0;

async function tryNative(): Promise<void> {
  const addon = registerNativeBackend();
  if (!(await tf.setBackend('native'))) throw new BackendError("backend 'native' did not start");
  selfCheckNative('native'); // refuses an engine that computes wrong gradients on this CPU
  nativeThreads = addon.info().threads;
}

async function tryWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new BackendError("backend 'wasm' did not start");
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new BackendError("backend 'cpu' did not start");
}

const STARTERS: Record<BackendName, () => Promise<void>> = {
  'tfjs-node-gpu': () => tryNode('@tensorflow/tfjs-node-gpu'),
  'tfjs-node': () => tryNode('@tensorflow/tfjs-node'),
  native: tryNative,
  wasm: tryWasm,
  cpu: tryCpu,
};

function parseForced(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new BackendError(`DISCO_BACKEND='${value}' is not one of ${BACKEND_NAMES.join(', ')}`);
  }
  return value as BackendName;
}

/**
 * Starts the best available backend (or `force`, else `DISCO_BACKEND`). Idempotent: later calls
 * return the first result. A forced backend that fails to start is an error, never a fallback.
 */
export function initBackend(force?: BackendName): Promise<BackendInfo> {
  pending ??= start(force ?? parseForced(process.env.DISCO_BACKEND), force ? 'argument' : 'DISCO_BACKEND');
  return pending;
}

function threadsOf(name: BackendName): number {
  if (name === 'native') return nativeThreads;
  return name === 'wasm' || name === 'cpu' ? 1 : Number(process.env.TF_NUM_INTRAOP_THREADS ?? 0) || 0;
}

async function start(forced: BackendName | undefined, forcedBy: string): Promise<BackendInfo> {
  // tfjs-core's Node build registers no gradients; every backend needs them to train.
  await registerGradients();
  const candidates = forced ? [forced] : [...BACKEND_NAMES];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      await STARTERS[name]();
      attempts.push({ name, ok: true });
      const tfjsName = tf.getBackend();
      current = {
        name,
        tfjsName,
        tfjsVersion: tf.version_core,
        threads: threadsOf(name),
        simd: name === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
        forcedBy: forced ? forcedBy : undefined,
        attempts,
      };
      return current;
    } catch (err) {
      attempts.push({ name, ok: false, reason: describe(err) });
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new BackendError(`no tfjs backend could start (${why})`);
}
