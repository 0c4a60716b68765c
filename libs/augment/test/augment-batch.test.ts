/**
 * Batches: exact size and layout, deterministic replacement of rejected images (reported,
 * counted through onReject, never shrinking the batch), concurrency-independent bytes, aborts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUGMENT_STAGES, augmentBatch, augmentPair, augmentParams, UnfillableBatchError, ImageRejectedError, openSampleDataset, replacementIndex,
  type AugmentStage, type Dataset, type DatasetItem, type Rejection,
} from '@disco/augment';
import { jpeg } from './images.ts';

/** An in-memory dataset: good JPEGs except at `bad` indices (zero bytes or text). */
async function memoryDataset(n: number, bad: Record<number, 'empty' | 'text'>): Promise<Dataset> {
  const good = await Promise.all(Array.from({ length: 4 }, (_, i) => jpeg(90 + 10 * i, 70, i)));
  return {
    length: n,
    description: 'memory',
    async read(i: number): Promise<DatasetItem> {
      const bytes = bad[i] === 'empty' ? new Uint8Array(0) : bad[i] === 'text' ? Buffer.from('hello') : good[i % 4];
      return { kind: 'encoded', name: `img${i}.jpg`, bytes, label: i % 3 };
    },
  };
}

test('a batch holds exactly one pair per index, in slot order, as [N, size, size, 3]', async () => {
  const ds = await openSampleDataset();
  const indices = [5, 1999, 0, 5, 777];
  const b = await augmentBatch(ds, { runSeed: 9, epoch: 1, indices, size: 24 });
  assert.equal(b.count, 5);
  assert.equal(b.views1.length, 5 * 24 * 24 * 3);
  assert.deepEqual([...b.indices], indices);
  assert.deepEqual([...b.labels], await Promise.all(indices.map(async (i) => (await ds.read(i)).label!)));
  assert.equal(b.rejections.length, 0);
  // slot k equals augmentPair of that image with the same spec
  const pair = await augmentPair(await ds.read(777), { runSeed: 9, epoch: 1, index: 777, size: 24 });
  const slot = 4 * 24 * 24 * 3;
  assert.deepEqual(b.views1.subarray(slot), pair.view1);
  assert.deepEqual(b.views2.subarray(slot), pair.view2);
  // the same index twice gets the same views (the spec is the key)
  assert.deepEqual(b.views1.subarray(0, slot / 4), b.views1.subarray(3 * (slot / 4), slot));
});

test('rejected images are reported and replaced deterministically; the batch never shrinks', async () => {
  const ds = await memoryDataset(50, { 3: 'empty', 7: 'text' });
  const seen: Rejection[] = [];
  const spec = { runSeed: 4, epoch: 2, indices: [1, 3, 7, 9], size: 16 };
  const b = await augmentBatch(ds, spec, { onReject: (r) => seen.push(r) });
  assert.equal(b.count, 4);
  assert.deepEqual(b.rejections.map((r) => [r.slot, r.index, r.attempt, r.error.reason]), [[1, 3, 0, 'empty'], [2, 7, 0, 'unsupported_format']]);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((r) => r.error instanceof ImageRejectedError));
  const r3 = replacementIndex(4, 2, 3, 1, 50);
  const r7 = replacementIndex(4, 2, 7, 1, 50);
  assert.deepEqual([...b.indices], [1, r3, r7, 9]);
  assert.ok(r3 !== 3 && r7 !== 7);
  const again = await augmentBatch(ds, spec, { inFlight: 1 });
  assert.deepEqual(again.views1, b.views1);
  assert.deepEqual(again.views2, b.views2);
  // a stand-in's views are not the views it has in its own slot
  const own = await augmentBatch(ds, { ...spec, indices: [r3] });
  assert.notDeepEqual(own.views1, b.views1.subarray(16 * 16 * 3, 2 * 16 * 16 * 3));
});

test('replacement indices are uniform over the other images, and differ between attempts', () => {
  const draws = new Array(10).fill(0);
  for (let e = 0; e < 9000; e++) draws[replacementIndex(1, e, 4, 1, 10)]++;
  assert.equal(draws[4], 0);
  for (const [i, c] of draws.entries()) if (i !== 4) assert.ok(Math.abs(c - 1000) < 4.4 * Math.sqrt(1000 * (8 / 9)), `index ${i}: ${c}`);
  const attempts = new Set(Array.from({ length: 8 }, (_, a) => replacementIndex(1, 0, 4, a + 1, 1_000_000)));
  assert.equal(attempts.size, 8);
});

test('a slot whose replacements keep failing raises UnfillableBatchError; a one-image dataset cannot replace', async () => {
  const all = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [i, 'empty' as const]));
  await assert.rejects(augmentBatch(await memoryDataset(6, all), { runSeed: 1, epoch: 0, indices: [0], size: 8 }, { maxAttempts: 5 }), UnfillableBatchError);
  await assert.rejects(augmentBatch(await memoryDataset(1, { 0: 'text' }), { runSeed: 1, epoch: 0, indices: [0], size: 8 }), UnfillableBatchError);
});

test('results do not depend on inFlight; an aborted batch rejects', async () => {
  const ds = await memoryDataset(20, {});
  const spec = { runSeed: 3, epoch: 0, indices: [...Array(12).keys()], size: 20 };
  const one = await augmentBatch(ds, spec, { inFlight: 1 });
  const four = await augmentBatch(ds, spec, { inFlight: 4 });
  assert.deepEqual(four.views1, one.views1);
  assert.deepEqual(four.views2, one.views2);
  const ac = new AbortController();
  ac.abort(new Error('client went away'));
  await assert.rejects(augmentBatch(ds, spec, { signal: ac.signal }), /client went away/);
  await assert.rejects(augmentBatch(ds, { ...spec, indices: [20] }), /outside the dataset/);
  await assert.rejects(augmentBatch(ds, { ...spec, size: 0 }), /size must be/);
});

test('a batch split into chunks gives the same bytes as the whole batch', async () => {
  const ds = await memoryDataset(30, { 4: 'text' });
  const spec = { runSeed: 12, epoch: 5, indices: [4, 9, 17, 2, 29, 11], size: 18 };
  const whole = await augmentBatch(ds, spec);
  const parts = [await augmentBatch(ds, { ...spec, indices: spec.indices.slice(0, 2) }), await augmentBatch(ds, { ...spec, indices: spec.indices.slice(2) })];
  assert.deepEqual(Buffer.concat(parts.map((p) => p.views1)), Buffer.from(whole.views1));
  assert.deepEqual(Buffer.concat(parts.map((p) => p.views2)), Buffer.from(whole.views2));
  assert.deepEqual([...parts[0].indices, ...parts[1].indices], [...whole.indices]);
});

test('the stage timer sees every stage: read and decode per image, the kernels per view', async () => {
  const ds = await memoryDataset(10, {});
  const seen = new Map<AugmentStage, number[]>();
  const jitterAlways = augmentParams({ jitterP: 1, blurP: 1, blurSigma: [1, 2] });
  await augmentBatch(ds, { runSeed: 1, epoch: 0, indices: [1, 2, 3], size: 16, params: jitterAlways }, { timer: (stage, s) => seen.set(stage, [...(seen.get(stage) ?? []), s]) });
  assert.deepEqual([...seen.keys()].sort(), [...AUGMENT_STAGES].sort());
  assert.deepEqual(AUGMENT_STAGES.map((st) => seen.get(st)!.length), [3, 3, 6, 6, 6]);
  assert.ok([...seen.values()].flat().every((s) => s >= 0 && s < 5));
});
