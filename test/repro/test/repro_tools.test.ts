import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { niceTicks, renderSvg, writeChartPng } from '../plot.ts';
import { idxPrefix, EvalDataError } from '../eval_data.ts';
import { readCurves } from '../record_curves.ts';
import { meanPairwiseCosine } from '../embedding_spread.ts';
import { ci95 } from '../report.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'repro-test-'));

test('niceTicks gives round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 7.4, 6), [3, 4, 5, 6, 7]);
  assert.deepEqual(niceTicks(3, 7.4, 4), [4, 6]);
  assert.deepEqual(niceTicks(2, 2), [2]);
});

test('charts render to a PNG of the grid size, with text and bars', async () => {
  const dir = tmp();
  try {
    const line = { kind: 'line' as const, title: 'loss <&>', xLabel: 'step', yLabel: 'loss', series: [{ name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: 0.5 }] }] };
    const bar = { kind: 'bar' as const, title: 'acc', yLabel: '%', categories: ['x', 'y'], measures: [{ name: 'kNN', values: [50, null] }] };
    const svg = renderSvg([line, bar], { cols: 2, panelW: 300, panelH: 200 });
    assert.match(svg, /loss &lt;&amp;&gt;/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 1);
    const size = await writeChartPng(join(dir, 'c.png'), [line, bar], { cols: 2, panelW: 300, panelH: 200 });
    assert.deepEqual(size, { width: 600, height: 200 });
    const meta = await sharp(readFileSync(join(dir, 'c.png'))).metadata();
    assert.equal(meta.format, 'png');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('idxPrefix keeps the header and the first n items', () => {
  const images = Buffer.alloc(16 + 3 * 4);
  images.writeUInt32BE(2051, 0);
  images.writeUInt32BE(3, 4);
  images.writeUInt32BE(2, 8);
  images.writeUInt32BE(2, 12);
  for (let i = 0; i < 12; i++) images[16 + i] = i;
  const two = idxPrefix(images, 2, 'x');
  assert.equal(two.readUInt32BE(4), 2);
  assert.deepEqual([...two.subarray(16)], [0, 1, 2, 3, 4, 5, 6, 7]);
  const labels = Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
  assert.deepEqual([...idxPrefix(labels, 1, 'y').subarray(8)], [7]);
  assert.throws(() => idxPrefix(labels, 4, 'y'), EvalDataError);
});

test('readCurves bins steps and averages each epoch', () => {
  const dir = tmp();
  try {
    const lines = [0, 1, 2, 3].map((g) => JSON.stringify({ globalStep: g, epoch: g < 2 ? 0 : 1, step: g % 2, loss: g, terms: { contrastive: 2 * g }, lr: 0.1, computeSeconds: 1, dataWaitSeconds: 0.5 }));
    writeFileSync(join(dir, 'record.jsonl'), lines.join('\n') + '\n');
    const c = readCurves(join(dir, 'record.jsonl'), 2);
    assert.equal(c.steps, 4);
    assert.equal(c.stepsPerBin, 2);
    assert.deepEqual(c.curve.map((p) => [p.step, p.loss, p.terms.contrastive]), [[0.5, 0.5, 1], [2.5, 2.5, 5]]);
    assert.deepEqual(c.epochs.map((e) => [e.epoch, e.steps, e.loss]), [[0, 2, 0.5], [1, 2, 2.5]]);
    assert.equal(c.computeSeconds, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('meanPairwiseCosine: identical rows 1, opposite pairs −1, orthogonal 0', () => {
  assert.ok(Math.abs(meanPairwiseCosine(new Float32Array([1, 0, 2, 0, 3, 0]), 3, 2) - 1) < 1e-9);
  assert.ok(Math.abs(meanPairwiseCosine(new Float32Array([1, 0, -1, 0]), 2, 2) + 1) < 1e-9);
  assert.ok(Math.abs(meanPairwiseCosine(new Float32Array([1, 0, 0, 5]), 2, 2)) < 1e-9);
});

test('ci95 is the binomial 95 % half-width', () => {
  assert.ok(Math.abs(ci95(0.5, 10000) - 0.0098) < 1e-4);
});
