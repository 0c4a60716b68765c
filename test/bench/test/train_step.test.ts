import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { run } from '../train_step.ts';
import { markdownTable } from '../lib/report.ts';
import type { BenchResult } from '../lib/result.ts';

test('a tiny train-step run on the cpu backend writes a result of the documented shape', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'disco-bench-'));
  try {
    const out = join(dir, 'train-step.json');
    const args = ['--backend', 'cpu', '--model', 'resnet18-cifar', '--width', '2', '--batch', '2', '--size', '8'];
    const before = tf.memory().numTensors;
    const returned = await run([...args, '--iters', '2', '--warmup', '1', '--pytorch', 'off', '--out', out]);
    assert.equal(tf.memory().numTensors, before, 'the bench leaves no tensors behind');
    const r = JSON.parse(await readFile(out, 'utf8')) as BenchResult;
    assert.deepEqual(r, JSON.parse(JSON.stringify(returned)));
    assert.equal(r.bench, 'train-step');
    assert.deepEqual([r.model, r.width, r.batch, r.size, r.backend], ['resnet18-cifar', 2, 2, 8, 'cpu']);
    assert.ok(r.ours_ms > 0 && r.ours_samples_ms.length === 2 && r.ours_min_ms <= r.ours_ms);
    assert.deepEqual([r.pytorch_ms, r.ratio, r.pytorch_gflops, r.pytorch_min_ms], [null, null, null, null]);
    assert.equal(r.pytorch_skipped, '--pytorch off');
    // CIFAR ResNet-18, width 2, 8 px: the 3×3 convs' multiply-adds, ×2 FLOPs, ×3 for a step, ×batch.
    assert.ok(r.gflop_per_step > 0 && r.ours_gflops > 0);
    assert.ok(r.params > 0);
    for (const key of ['cpu_model', 'cores', 'node', 'tfjs', 'torch'] as const) assert.ok(key in r.machine, key);
    assert.ok(!Number.isNaN(Date.parse(r.date)));
    assert.match(markdownTable([r]), /\| train-step \| resnet18-cifar \| 2 \| 2 \| 8 \| [\d.]+ \(cpu\) \| — \| — \| [\d.]+ \/ — \|/);
    assert.deepEqual(Object.keys(r.load_avg_1m), ['start', 'end']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
