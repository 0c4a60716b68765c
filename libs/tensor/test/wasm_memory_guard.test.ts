/**
 * The 4 GB wasm heap: a too-large tensor fails with a typed, explanatory error and leaves the
 * backend usable (stock tfjs writes it at address 0 and dies with `memory access out of bounds`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_HEAP_RESERVE_BYTES, guardWasmHeap, isWasmHeapGuarded, WasmMemoryError } from '@disco/tensor';
import { setupWasm } from './wasm_compare.ts';

await setupWasm();
/** Made before any refusal; its values must survive them. */
const sentinel = tf.tensor2d([1, 2, 3, 4], [2, 2]); // [2, 2]

function isHeapError(requested: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof WasmMemoryError, `expected a WasmMemoryError, got ${String(err)}`);
    assert.equal(err.requestedBytes, requested);
    assert.match(err.message, /4 GB limit/);
    assert.match(err.message, new RegExp(`cannot allocate ${(requested / 2 ** 30 >= 1 ? (requested / 2 ** 30).toFixed(2) + ' GiB' : (requested / 2 ** 20).toFixed(1) + ' MiB')}`));
    assert.match(err.message, /smaller batch/);
    return true;
  };
}

test('the heap guard is installed when the wasm backend starts', () => {
  assert.ok(isWasmHeapGuarded(tf.backend()));
});

test('a 5 GiB tensor fails with a WasmMemoryError naming its size, and nothing leaks', () => {
  const before = tf.memory().numTensors;
  const shape = [5 * 256, 1024, 1024]; // 5 GiB of float32
  assert.throws(() => tf.fill(shape, 0), isHeapError(5 * 2 ** 30));
  assert.throws(() => tf.fill(shape, 0), /5\.00 GiB/);
  assert.equal(tf.memory().numTensors, before);
});

test('a request under 4 GiB that does not fit fails the same way, inside tf.tidy, leaking nothing', () => {
  const backend = tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } };
  const before = tf.memory().numTensors;
  // Hold 3 GiB of heap directly (never written: it costs address space, not RAM).
  const held = backend.wasm._malloc(3 * 2 ** 30);
  assert.notEqual(held, 0);
  try {
    // 800 MiB more would take the heap past its cap: malloc fails, the guard reports it.
    assert.throws(() => tf.tidy(() => tf.fill([200, 1024, 1024], 0)), isHeapError(800 * 2 ** 20));
    // 1.5 GiB could wrap the allocator past 2³²: refused before malloc runs.
    assert.throws(() => tf.tidy(() => tf.fill([384, 1024, 1024], 0)), isHeapError(1.5 * 2 ** 30));
  } finally {
    backend.wasm._free(held);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('an allocation that would leave less than the reserve free for kernels is refused', () => {
  const before = tf.memory().numTensors;
  guardWasmHeap(tf.backend(), 3.5 * 2 ** 30); // keep 3.5 GiB free: a 512 MiB tensor cannot fit beside it
  try {
    assert.throws(() => tf.fill([128, 1024, 1024], 0), /keeping 3\.50 GiB free for kernels/);
  } finally {
    guardWasmHeap(tf.backend(), DEFAULT_HEAP_RESERVE_BYTES);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('after refused allocations the heap is intact and the backend computes correctly', () => {
  assert.deepEqual(Array.from(sentinel.dataSync()), [1, 2, 3, 4], 'a tensor made before the refusals kept its values');
  const y = tf.matMul(sentinel, sentinel); // [2, 2]
  assert.deepEqual(Array.from(y.dataSync()), [7, 10, 15, 22]);
  const big = tf.ones([64, 1024, 1024]); // 256 MiB still fits
  const lo = tf.min(big); // []
  const hi = tf.max(big); // []
  assert.deepEqual([lo.dataSync()[0], hi.dataSync()[0]], [1, 1]);
  tf.dispose([y, big, lo, hi]);
});
