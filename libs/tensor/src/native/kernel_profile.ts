/**
 * Where a step's time goes on the 'native' backend, kernel by kernel, and which kernels ran in
 * JavaScript: tfjs's cpu kernels (every kernel the addon does not replace is the cpu kernel,
 * run on JavaScript TypedArrays) and native kernels that declined their inputs to the cpu one.
 * A JavaScript kernel on a [64, 65537] tensor costs seconds where libtorch takes milliseconds,
 * so the bench and the trainer (DISCO_PROFILE=1) report them with their share of the step.
 *
 * `startKernelProfile()` wraps every kernel registered for 'native' with a timer until `stop()`
 * puts the originals back. Timing costs ~1 µs a call; use it to look, not while measuring speed.
 */
import { getKernel, getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { nativeFallbackCounts } from './kernels/fallback.ts';
import { NATIVE_BACKEND_NAME } from './native_backend.ts';

export interface KernelProfileEntry {
  kernel: string;
  calls: number;
  ms: number;
  /** Calls that ran JavaScript: all of them for a cpu kernel, the declined ones for a native kernel. */
  jsCalls: number;
  /** Time of those calls (a native kernel's declined calls are timed with its native ones: apportioned by count). */
  jsMs: number;
}

export interface KernelProfile {
  /** Wall time between start and stop. */
  wallMs: number;
  /** Every kernel that ran, slowest first. */
  kernels: KernelProfileEntry[];
  /** Kernels that ran JavaScript, by JavaScript time, slowest first. */
  javascript: KernelProfileEntry[];
  /** Total time in JavaScript kernels. */
  jsMs: number;
}

export interface KernelProfiler {
  stop(): KernelProfile;
}

/** Names of the kernels the addon computes (set by register.ts; anything else on 'native' is a cpu kernel). */
const nativeKernelNames = new Set<string>();

export function markNativeKernels(names: Iterable<string>): void {
  for (const n of names) nativeKernelNames.add(n);
}

export function isNativeKernelName(kernel: string): boolean {
  return nativeKernelNames.has(kernel);
}

let active = false;

/** Starts timing every kernel on 'native'. One profile at a time. */
export function startKernelProfile(): KernelProfiler {
  if (active) throw new Error('startKernelProfile: a profile is already running');
  active = true;
  const stats = new Map<string, { calls: number; ms: number }>();
  const originals: KernelConfig[] = [];
  const declinedBefore = new Map(nativeFallbackCounts());
  for (const original of getKernelsForBackend(NATIVE_BACKEND_NAME)) {
    originals.push(original);
    const entry = { calls: 0, ms: 0 };
    stats.set(original.kernelName, entry);
    unregisterKernel(original.kernelName, NATIVE_BACKEND_NAME);
    registerKernel({
      ...original,
      kernelFunc: (args) => {
        const t0 = performance.now();
        try {
          return original.kernelFunc(args);
        } finally {
          entry.ms += performance.now() - t0;
          entry.calls++;
        }
      },
    });
  }
  const t0 = performance.now();
  return {
    stop(): KernelProfile {
      const wallMs = performance.now() - t0;
      for (const original of originals) {
        if (getKernel(original.kernelName, NATIVE_BACKEND_NAME)) unregisterKernel(original.kernelName, NATIVE_BACKEND_NAME);
        registerKernel(original);
      }
      active = false;
      const kernels: KernelProfileEntry[] = [];
      for (const [kernel, { calls, ms }] of stats) {
        if (calls === 0) continue;
        const declined = (nativeFallbackCounts().get(kernel) ?? 0) - (declinedBefore.get(kernel) ?? 0);
        const jsCalls = isNativeKernelName(kernel) ? Math.min(declined, calls) : calls;
        kernels.push({ kernel, calls, ms, jsCalls, jsMs: (ms * jsCalls) / calls });
      }
      kernels.sort((a, b) => b.ms - a.ms);
      const javascript = kernels.filter((k) => k.jsCalls > 0).sort((a, b) => b.jsMs - a.jsMs);
      return { wallMs, kernels, javascript, jsMs: javascript.reduce((s, k) => s + k.jsMs, 0) };
    },
  };
}

/** The JavaScript kernels of `profile` as lines: name, calls, ms, share of `stepMs`. */
export function describeJsKernels(profile: KernelProfile, stepMs: number, steps = 1): string[] {
  return profile.javascript.map(
    (k) => `${k.kernel}: ${(k.jsCalls / steps).toFixed(1)} calls/step, ${(k.jsMs / steps).toFixed(1)} ms/step (${((100 * k.jsMs) / steps / stepMs).toFixed(1)} % of the step)`,
  );
}
