/**
 * What to tell a user whose disco runs without the native engine: how much faster it would be
 * and the one command that gets it. Measured: the CIFAR ResNet-18 train step on wasm takes ~9×
 * the native step's time on the same CPU (test/bench/README.md, train-step rows).
 */
import { existsSync } from 'node:fs';
import { ADDON_PATH, nativeSkipNote } from './addon.ts';
import type { BackendInfo } from '../backend.ts';

/** wasm's train step over native's, measured (test/bench/results/train-step-*). */
export const WASM_OVER_NATIVE = 8;

export const NATIVE_INSTALL_COMMAND = 'sudo apt-get install libtorch-dev g++ && npm run build -w libs/tensor/native';

function advice(on: string): string {
  const why = nativeSkipNote()?.reason;
  return `disco runs on ${on} here: the native engine (libtorch) trains ~${WASM_OVER_NATIVE}× faster on this CPU${why ? ` (not built: ${why})` : ''}. Get it with: ${NATIVE_INSTALL_COMMAND}`;
}

/**
 * One line for a backend that ended up on wasm or cpu because the native engine is not there
 * (no addon, or libtorch missing) — undefined on native, on tfjs-node, when wasm/cpu was forced,
 * or when native was refused for another reason (a failed self-check says why itself).
 */
export function nativeAdvice(info: Pick<BackendInfo, 'name' | 'attempts' | 'forcedBy'>): string | undefined {
  if ((info.name !== 'wasm' && info.name !== 'cpu') || info.forcedBy) return undefined;
  const native = info.attempts.find((a) => a.name === 'native');
  const addonAbsent = !existsSync(ADDON_PATH) || /is absent|did not load/.test(native?.reason ?? '');
  return addonAbsent ? advice(info.name) : undefined;
}

/**
 * The same, predicted without starting a backend (the `disco train` supervisor, whose roles
 * start their own): where nothing forces a backend, no tfjs-node package resolves and the addon
 * is absent, the roles will run on wasm.
 */
export function predictedNativeAdvice(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DISCO_BACKEND || existsSync(ADDON_PATH)) return undefined;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      import.meta.resolve(pkg);
      return undefined;
    } catch {
      // not installed
    }
  }
  return advice('wasm');
}
