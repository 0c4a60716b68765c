/**
 * The 'native' backend itself: what `initBackend` reports for it, its thread setting, and its
 * memory contract — libtorch results are freed the moment tfjs disposes their last tensor
 * (views made by cpu kernels included), and nothing outside the backend sees a lent array.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo } from '@disco/tensor';
import type { NativeBackend } from '../src/native/native_backend.ts';
import { nativeSuite, values } from './native_compare.ts';

function infoIn(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = "import { initBackend } from '@disco/tensor'; console.log(JSON.stringify(await initBackend()));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

await nativeSuite('native backend', () => {
  const backend = () => {
    assert.equal(tf.getBackend(), 'native');
    return tf.backend() as NativeBackend;
  };

  test('backendInfo names native with libtorch’s thread count (2 by default)', () => {
    const info = backendInfo();
    assert.equal(info.name, 'native');
    assert.equal(info.tfjsName, 'native');
    assert.equal(info.threads, backend().addon.info().threads);
    if (!process.env.DISCO_NATIVE_THREADS) assert.equal(info.threads, 2);
    assert.ok(backend().addon.info().mkldnn, 'libtorch without oneDNN: convolutions would be slow');
  });

  test('DISCO_BACKEND=native forces it and DISCO_NATIVE_THREADS sets its threads', () => {
    const r = infoIn({ DISCO_BACKEND: 'native', DISCO_NATIVE_THREADS: '1' });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.name, 'native');
    assert.equal(info.threads, 1);
    assert.equal(info.forcedBy, 'DISCO_BACKEND');
  });

  test('results are freed when their last tensor is disposed, also when a cpu kernel kept a view of them', async () => {
    assert.ok(await tf.setBackend('native'));
    const b = backend();
    const lent = b.lentBuffers();
    const native = b.addon.lentCount();
    const x = tf.tensor2d(values(6 * 4, 70), [6, 4]); // [6, 4]
    const y = tf.relu(x); // [6, 4], libtorch memory
    assert.equal(b.lentBuffers(), lent + 1);
    const rows = tf.slice(y, [2, 0], [3, 4]); // [3, 4]: the cpu Slice stores a view into y's buffer
    const want = Array.from(y.dataSync()).slice(8, 20);
    y.dispose();
    assert.equal(b.lentBuffers(), lent + 1, 'freed while a slice still views it');
    tf.tidy(() => tf.sum(tf.mul(tf.relu(x), 2))); // reuse freed blocks, if any were
    assert.deepEqual(Array.from(rows.dataSync()), want);
    rows.dispose();
    assert.equal(b.lentBuffers(), lent);
    assert.equal(b.addon.lentCount(), native);
    x.dispose();
  });

  test('reads return copies: changing them or disposing the tensor leaves the other intact', async () => {
    assert.ok(await tf.setBackend('native'));
    const x = tf.tensor1d([1, -2, 3]); // [3]
    const y = tf.relu(x); // [3]
    const read = y.dataSync() as Float32Array;
    read[0] = 99;
    assert.deepEqual(Array.from(y.dataSync()), [1, 0, 3]);
    const later = await y.data();
    y.dispose();
    tf.tidy(() => tf.relu(tf.neg(x))); // the freed block may be reused
    assert.deepEqual(Array.from(later), [1, 0, 3]);
    x.dispose();
  });

  test('a tensor made on native moves to cpu intact when the backend changes', async () => {
    assert.ok(await tf.setBackend('native'));
    const y = tf.relu(tf.tensor1d([4, -5, 6])); // [3]
    assert.ok(await tf.setBackend('cpu'));
    assert.deepEqual(Array.from(tf.add(y, 1).dataSync()), [5, 1, 7]);
    assert.ok(await tf.setBackend('native'));
    y.dispose();
  });

  test('a shape libtorch disagrees with is an error naming both shapes, not wrong data', () => {
    const { addon } = backend();
    assert.throws(() => addon.binary('Add', new Float32Array(6), [2, 3], new Float32Array(3), [3], [3, 2]), /result has shape \[2, 3\], tfjs expects \[3, 2\]/);
    assert.throws(() => addon.unary('Relu', new Float32Array(5), [2, 3]), /5 values, shape \[2, 3\] needs 6/);
  });
});
