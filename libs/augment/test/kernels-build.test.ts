/** The committed kernels binary was built from the committed C sources (scripts/build-wasm.sh). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The slice of the WebAssembly JS API used here (tsconfig's libs do not declare it). */
declare const WebAssembly: {
  Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] };
};

const dir = new URL('../src/wasm/', import.meta.url);
const SOURCES = ['simd.h', 'pixels4.h', 'resize.c', 'colour.c', 'blur.c', 'libc.c'];

test('augment-kernels.wasm is up to date with its sources', () => {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(readFileSync(new URL(f, dir)));
  const recorded = readFileSync(new URL('augment-kernels.sources.sha256', dir), 'utf8').trim();
  assert.equal(hash.digest('hex'), recorded, 'a kernel source changed: run sh libs/augment/scripts/build-wasm.sh');
});

test('the kernels compile and export what wasm-kernels.ts calls', () => {
  const module = new WebAssembly.Module(readFileSync(new URL('augment-kernels.wasm', dir)));
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ['memory', '__heap_base', 'resize_vertical', 'resize_horizontal', 'colour_jitter', 'blur_vertical', 'blur_horizontal']) {
    assert.ok(exports.includes(name), name);
  }
});
