/**
 * The readers on their own: every dtype, strided and shared-storage tensors, scalars and empty
 * tensors from a real `torch.save` (zip, stored and deflated) and from safetensors, compared with
 * the values PyTorch printed (test/fixtures/models/io_cases.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import {
  openWeights,
  permute,
  readSafetensors,
  toFloat32,
  withWeights,
  writeSafetensors,
  writeTfjsWeights,
  TFJS_WEIGHTS_BIN,
  type RawTensor,
} from '@disco/models';

await initBackend();

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const cases = JSON.parse(readFileSync(`${FIXTURES}io_cases.json`, 'utf-8')) as Record<string, { shape: number[]; values: number[] }>;
const DTYPES: Record<string, string> = {
  f32: 'F32', f64: 'F64', f16: 'F16', bf16: 'BF16', i64: 'I64', i32: 'I32', u8: 'U8', flag: 'BOOL',
  scalar: 'F32', empty: 'F32', transposed: 'F32', sliced: 'F32', view_a: 'F32', view_b: 'F32',
};

function i64Values(t: RawTensor): bigint[] {
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Array.from({ length: t.data.byteLength / 8 }, (_, i) => dv.getBigInt64(8 * i, true));
}

for (const file of ['io_cases.pth', 'io_cases.deflate.pth', 'io_cases.legacy.pth', 'io_cases.safetensors']) {
  test(`${file}: every dtype, shape and value matches PyTorch`, () => {
    withWeights(`${FIXTURES}${file}`, (w) => {
      assert.deepEqual([...w.tensors.keys()], Object.keys(cases));
      for (const [name, want] of Object.entries(cases)) {
        const t = w.tensors.get(name)!.read();
        assert.equal(t.dtype, DTYPES[name], `${name} dtype`);
        assert.deepEqual(t.shape, want.shape, `${name} shape`);
        if (name === 'i64') assert.deepEqual(i64Values(t), want.values.map(BigInt), 'i64 values are exact, even 2^40');
        else assert.deepEqual(Array.from(toFloat32(t)), want.values.map(Math.fround), `${name} values`);
      }
    });
  });
}

test('torch checkpoints report their format; a release-style wrapper gives metadata and ignored entries', () => {
  const zip = openWeights(`${FIXTURES}io_cases.pth`);
  assert.deepEqual([zip.format, zip.metadata, zip.ignored], ['torch-zip', {}, []]);
  zip.close();
  const legacy = openWeights(`${FIXTURES}io_cases.legacy.pth`);
  assert.deepEqual([legacy.format, legacy.metadata, legacy.ignored], ['torch-legacy', { epoch: '3', arch: 'io_cases' }, ['optimizer']]);
  legacy.close();
});

test('a zip whose directory is only in the ZIP64 end record (as for > 4 GB checkpoints) is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-io-'));
  try {
    // torch always writes a ZIP64 end record too; saturate the classic one so only ZIP64 is usable.
    const bytes = readFileSync(`${FIXTURES}io_cases.pth`);
    const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    bytes.writeUInt16LE(0xffff, eocd + 10);
    bytes.writeUInt32LE(0xffffffff, eocd + 12);
    bytes.writeUInt32LE(0xffffffff, eocd + 16);
    const path = join(dir, 'zip64.pth');
    writeFileSync(path, bytes);
    withWeights(path, (w) => assert.deepEqual(Array.from(toFloat32(w.tensors.get('transposed')!.read())), cases.transposed.values.map(Math.fround)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('permute is numpy.transpose and exactly invertible', () => {
  const t: RawTensor = { dtype: 'F32', shape: [2, 3, 4], data: new Uint8Array(new Float32Array(Array.from({ length: 24 }, (_, i) => i)).buffer) };
  const p = permute(t, [2, 0, 1]); // [4, 2, 3]
  assert.deepEqual(p.shape, [4, 2, 3]);
  // p[k][i][j] = t[i][j][k] = 12i + 4j + k
  assert.deepEqual(Array.from(toFloat32(p)).slice(0, 6), [0, 4, 8, 12, 16, 20]);
  const back = permute(p, [1, 2, 0]);
  assert.deepEqual(back, t);
  assert.throws(() => permute(t, [0, 0, 1]), /permutation/);
});

test('writeSafetensors → readSafetensors round-trips bytes, dtypes and metadata; data is 8-byte aligned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-io-'));
  try {
    const path = join(dir, 'x.safetensors');
    const tensors = new Map([
      ['a', { dtype: 'F32' as const, shape: [2, 2], data: new Float32Array([1, -2, 3.5, NaN]) }],
      ['b', { dtype: 'I64' as const, shape: [], data: new BigInt64Array([-5n]) }],
      ['c', { dtype: 'BF16' as const, shape: [1], data: new Uint16Array([0x3f80]) }],
    ]);
    writeSafetensors(path, tensors, { step: '7' });
    const back = readSafetensors(path);
    assert.deepEqual(back.metadata, { step: '7' });
    assert.deepEqual(Array.from(toFloat32(back.tensors.get('a')!)), [1, -2, 3.5, NaN]);
    assert.deepEqual(i64Values(back.tensors.get('b')!), [-5n]);
    assert.deepEqual(Array.from(toFloat32(back.tensors.get('c')!)), [1]);
    const headerLen = Number(readFileSync(path).readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('our tfjs weights are readable by tfjs itself (tf.io.decodeWeights) and by openWeights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-io-'));
  try {
    const values = new Float32Array([0.5, -1, 2, 3, 4, 5]);
    writeTfjsWeights(dir, new Map([['w', { dtype: 'F32' as const, shape: [2, 3], data: values }], ['n', { dtype: 'I32' as const, shape: [1], data: new Int32Array([9]) }]]));
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf-8'));
    const bin = readFileSync(join(dir, TFJS_WEIGHTS_BIN));
    const before = tf.memory().numTensors;
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest.weightsManifest[0].weights);
    assert.deepEqual(Array.from(decoded.w.dataSync()), Array.from(values));
    assert.deepEqual(decoded.w.shape, [2, 3]);
    assert.deepEqual(Array.from(decoded.n.dataSync()), [9]);
    tf.dispose(Object.values(decoded));
    assert.equal(tf.memory().numTensors, before);
    withWeights(dir, (w) => {
      assert.equal(w.format, 'tfjs');
      assert.deepEqual(Array.from(toFloat32(w.tensors.get('w')!.read())), Array.from(values));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
