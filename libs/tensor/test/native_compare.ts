/**
 * Test helper: runs one computation on the cpu backend (the reference) and on disco's 'native'
 * backend (libtorch addon), in one process, and compares the results with the wasm tests'
 * tolerance (TOL: max |native − cpu| ≤ 1e-4 · max(1, max |cpu|)).
 *
 * Where the addon is missing, every native test file fails — unless the install script recorded
 * that it did not build it for want of libtorch (build/skipped.json): only on such a machine
 * does a native test file instead run one test, `nativeSuite`'s absence check ('native' is
 * refused with that reason). In CI (libtorch-dev installed) the addon must be there. Nothing is
 * skipped either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { nativeSkipNote } from '../src/native/addon.ts';
import { relError, TOL } from './wasm_compare.ts';

export { TOL, values, weightedSum } from './wasm_compare.ts';

let started: Promise<boolean> | undefined;

/** Starts 'native' (true), or returns false where libtorch is absent; throws where it should have started. */
export function setupNative(): Promise<boolean> {
  started ??= (async () => {
    await registerGradients();
    try {
      const info = await initBackend('native');
      assert.equal(info.tfjsName, 'native');
      return true;
    } catch (err) {
      if (nativeSkipNote()?.libtorchMissing) return false;
      throw new Error(`the native backend did not start, and npm install did not record libtorch as missing: ${(err as Error).message}`);
    }
  })();
  return started;
}

/**
 * Defines the tests of `body` when 'native' runs here; else one test that checks the refusal
 * names libtorch as missing (so a machine without libtorch-dev still runs this file).
 */
export async function nativeSuite(name: string, body: () => void): Promise<void> {
  if (await setupNative()) {
    body();
    return;
  }
  test(`${name}: without libtorch the native backend is refused, naming what is missing`, async () => {
    const note = nativeSkipNote();
    assert.ok(note?.libtorchMissing && /libtorch/.test(note.reason));
    await assert.rejects(initBackend('native'), /native addon .* is absent: libtorch/);
  });
}

/** `f` run on `backend`, each result copied out; every tensor it made is disposed. */
export async function runOn(backend: 'cpu' | 'native', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const data = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
  return data;
}

/** Runs `f` on cpu and on native and asserts they agree within TOL; returns the error. */
export async function assertSameOnNative(label: string, f: () => tf.Tensor[]): Promise<number> {
  const want = await runOn('cpu', f);
  const got = await runOn('native', f);
  const err = relError(want, got);
  assert.ok(err <= TOL, `${label}: native differs from cpu by ${err.toExponential(2)} (tolerance ${TOL})`);
  return err;
}

/** Whether the kernel registered for 'native' is disco's (not the copied cpu one). */
export function isNativeKernel(kernelName: string): boolean {
  const native = tf.getKernel(kernelName, 'native');
  return !!native && native.kernelFunc !== tf.getKernel(kernelName, 'cpu')?.kernelFunc;
}
