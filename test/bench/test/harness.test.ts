import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, usage } from '../lib/args.ts';
import { BenchUsageError } from '../lib/errors.ts';
import { kernelFlop } from '../lib/flops.ts';
import { measure, measureInterleaved, median } from '../lib/stats.ts';
import { BENCHES, loadBench } from '../main.ts';

const SPEC = {
  width: { kind: 'int', default: 64, min: 1, help: 'w' },
  size: { kind: 'int', help: 's' },
  pytorch: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'p' },
  json: { kind: 'boolean', help: 'j' },
} as const;

test('parseFlags converts, defaults and validates, naming the flag on error', () => {
  assert.deepEqual(parseFlags('t', SPEC, ['--width', '16', '--json']), { width: 16, size: undefined, pytorch: 'auto', json: true });
  assert.deepEqual(parseFlags('t', SPEC, ['--size=32', '--pytorch', 'off']), { width: 64, size: 32, pytorch: 'off', json: false });
  assert.throws(() => parseFlags('t', SPEC, ['--width', 'wide']), (e: Error) => e instanceof BenchUsageError && /--width 'wide' is not an integer/.test(e.message));
  assert.throws(() => parseFlags('t', SPEC, ['--width', '0']), /--width 0 must be at least 1/);
  assert.throws(() => parseFlags('t', SPEC, ['--pytorch', 'maybe']), /--pytorch 'maybe' is not one of auto, on, off/);
  assert.throws(() => parseFlags('t', SPEC, ['--depth', '3']), (e: Error) => e instanceof BenchUsageError && /depth/.test(e.message));
  assert.match(usage('t', SPEC), /--width <int>\s+w \(default 64\)/);
});

test('median of odd and even counts; measure runs warm-up untimed', async () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
  let calls = 0;
  const timing = await measure(async () => void calls++, { warmup: 2, iters: 3 });
  assert.equal(calls, 5);
  assert.equal(timing.samplesMs.length, 3);
  assert.equal(timing.medianMs, median(timing.samplesMs));
});

test('measureInterleaved lets the sides take turns and keeps their own times', async () => {
  const order: string[] = [];
  const side = (name: string, ms: number) => async () => (order.push(name), ms);
  const [a, b] = await measureInterleaved([side('a', 5), side('b', 7)], { warmup: 1, iters: 2 });
  assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b']);
  assert.deepEqual([a.samplesMs, b.samplesMs, a.medianMs, b.medianMs], [[5, 5], [7, 7], 5, 7]);
});

test('kernelFlop counts 2 FLOPs per multiply-add from kernel shapes', () => {
  // 3×3 conv, 16 → 32 channels, output 8×8, batch 2: 2 · (2·8·8·32) · 9·16.
  assert.equal(kernelFlop('Conv2D', [[2, 8, 8, 16], [3, 3, 16, 32]], [[2, 8, 8, 32]]), 2 * 2 * 8 * 8 * 32 * 9 * 16);
  assert.equal(kernelFlop('DepthwiseConv2dNative', [[1, 4, 4, 8], [3, 3, 8, 2]], [[1, 4, 4, 16]]), 2 * 4 * 4 * 16 * 9);
  assert.equal(kernelFlop('BatchMatMul', [[3, 5, 7], [3, 7, 11]], [[3, 5, 11]]), 2 * 3 * 5 * 11 * 7);
  assert.equal(kernelFlop('Relu', [[2, 8]], [[2, 8]]), 0);
});

test('the registry rejects an unknown bench by listing the valid names', async () => {
  const names = BENCHES.map((b) => b.name);
  for (const name of ['train-step', 'embed', 'augment']) assert.ok(names.includes(name), name);
  await assert.rejects(loadBench('nope'), (e: Error) => e instanceof BenchUsageError && e.message.includes(names.join(', ')));
  assert.equal(typeof (await loadBench('embed')).run, 'function');
});
