/**
 * Test helper: runs one computation on the cpu backend (the reference) and on wasm with
 * disco's kernels, in one process, and compares the results.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';

/** Tolerance of every backend comparison: max |wasm − cpu| ≤ TOL · max(1, max |cpu|). */
export const TOL = 1e-4;

/** Starts wasm (with disco's kernels) and registers tfjs's gradients. */
export async function setupWasm(): Promise<void> {
  await registerGradients();
  const info = await initBackend('wasm');
  assert.equal(info.tfjsName, 'wasm');
}

/** Deterministic pseudo-random values in [−1, 1) (a small LCG: same numbers on every run). */
export function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** `f` run on `backend`, each result copied out; every tensor it made is disposed. */
export async function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const data = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
  return data;
}

/** Largest |got − want| relative to max(1, max |want|) over all outputs. */
export function relError(want: Float32Array[], got: Float32Array[]): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  want.forEach((w, i) => {
    assert.equal(got[i].length, w.length, `output ${i}: ${got[i].length} values, want ${w.length}`);
    let diff = 0;
    let mag = 1;
    for (let j = 0; j < w.length; j++) {
      diff = Math.max(diff, Math.abs(got[i][j] - w[j]));
      mag = Math.max(mag, Math.abs(w[j]));
    }
    assert.ok(Number.isFinite(diff), `output ${i} is not finite`);
    worst = Math.max(worst, diff / mag);
  });
  return worst;
}

/** Runs `f` on cpu and on wasm and asserts they agree within TOL; returns the error. */
export async function assertSameOnBoth(label: string, f: () => tf.Tensor[]): Promise<number> {
  const want = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  const err = relError(want, got);
  assert.ok(err <= TOL, `${label}: wasm differs from cpu by ${err.toExponential(2)} (tolerance ${TOL})`);
  return err;
}

/** A loss that weights every output element differently, so each gradient entry is checked. */
export function weightedSum(y: tf.Tensor): tf.Scalar {
  const w = tf.reshape(tf.sin(tf.range(0, y.size)), y.shape); // same shape as y
  return tf.sum(tf.mul(y, w));
}
