/**
 * The same spec gives identical bytes in any process: two child processes and this one hash
 * the views of the same batches (JPEGs through sharp, IDX pixels, three sizes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { augmentPair, type EncodedImage } from '@disco/augment';
import { hashViews } from './hash-views.ts';
import { jpeg } from './images.ts';

const run = promisify(execFile);

async function folder(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'disco-augment-det-'));
  for (const [c, cls] of ['cat', 'dog'].entries()) {
    mkdirSync(join(root, cls));
    for (let i = 0; i < 4; i++) writeFileSync(join(root, cls, `${i}.jpg`), await jpeg(200 + 37 * i, 150 + 11 * c, i + c));
  }
  return root;
}

test('two processes produce byte-identical views for the same specs', async () => {
  const root = await folder();
  const child = () => run(process.execPath, ['--import', 'tsx', new URL('./hash-views.ts', import.meta.url).pathname, root], { encoding: 'utf8' });
  const [a, b] = await Promise.all([child(), child()]);
  const here = await hashViews(root);
  assert.match(a.stdout, /^[0-9a-f]{64}$/);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, here);
});

test('views depend on runSeed, epoch, index and view', async () => {
  const source: EncodedImage = { kind: 'encoded', name: 'x.jpg', bytes: await jpeg(160, 120) };
  const spec = { runSeed: 1, epoch: 0, index: 0, size: 32 };
  const base = await augmentPair(source, spec);
  assert.deepEqual((await augmentPair(source, spec)).view1, base.view1);
  assert.notDeepEqual(base.view1, base.view2);
  for (const change of [{ runSeed: 2 }, { epoch: 1 }, { index: 1 }, { attempt: 1 }]) {
    const other = await augmentPair(source, { ...spec, ...change });
    assert.notDeepEqual(other.view1, base.view1, JSON.stringify(change));
  }
});
