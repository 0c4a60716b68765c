import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureCache, loadFeatureSet, saveFeatureSet, FeatureFileError, EvalInputError } from '@disco/eval';
import { separableSet } from './synthetic.ts';

test('feature files round-trip exactly and reject truncation and foreign files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'disco-eval-'));
  try {
    const set = separableSet(5, 3, 7, 1);
    const path = join(dir, 'a.feat');
    await saveFeatureSet(path, set);
    const back = await loadFeatureSet(path);
    assert.deepEqual(back.features, set.features);
    assert.deepEqual(back.labels, set.labels);
    assert.equal(back.dim, 7);
    const bytes = await readFile(path);
    await writeFile(join(dir, 'cut.feat'), bytes.subarray(0, bytes.length - 1));
    await assert.rejects(loadFeatureSet(join(dir, 'cut.feat')), /expected 496 for n=15, dim=7/);
    await writeFile(join(dir, 'png.feat'), Buffer.from('\x89PNG\r\n\x1a\n0000000000'));
    await assert.rejects(loadFeatureSet(join(dir, 'png.feat')), /bad magic/);
    await assert.rejects(loadFeatureSet(join(dir, 'none.feat')), FeatureFileError);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('FeatureCache computes once per key, in memory and across instances through its directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'disco-eval-'));
  try {
    let computed = 0;
    const compute = async () => {
      computed++;
      return separableSet(4, 2, 3, 9);
    };
    const cache = new FeatureCache(dir);
    const a = await cache.get('r18.fmnist-train', compute);
    const b = await cache.get('r18.fmnist-train', compute);
    assert.equal(a, b);
    assert.equal(computed, 1);
    const fresh = new FeatureCache(dir);
    const c = await fresh.get('r18.fmnist-train', compute);
    assert.equal(computed, 1);
    assert.deepEqual(c.features, a.features);
    const memoryOnly = new FeatureCache();
    await memoryOnly.get('x', compute);
    assert.equal(computed, 2);
    await assert.rejects(cache.get('../escape', compute), EvalInputError);
  } finally {
    await rm(dir, { recursive: true });
  }
});
