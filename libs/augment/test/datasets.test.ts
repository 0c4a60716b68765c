/** The dataset readers: ImageFolder, JSONL manifest, IDX (plain and gzipped), the bundled sample. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DatasetError, ImageRejectedError, SAMPLE_DATASET_DIR, detectDataset, openDataset, openIdx, openImageFolder, openManifest, openSampleDataset,
} from '@disco/augment';
import { jpeg, png } from './images.ts';

const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `disco-augment-${tag}-`));

test('ImageFolder: classes are sorted folder names, images sorted, nested folders and any case of extension', async () => {
  const root = tmp('folder');
  for (const cls of ['zebra', 'Ant', 'bee']) mkdirSync(join(root, cls));
  mkdirSync(join(root, 'bee', 'nested'));
  writeFileSync(join(root, 'zebra', 'b.jpg'), await jpeg(20, 20));
  writeFileSync(join(root, 'zebra', 'a.JPEG'), await jpeg(20, 20));
  writeFileSync(join(root, 'Ant', 'x.png'), await png(20, 20));
  writeFileSync(join(root, 'bee', 'nested', 'y.jpg'), await png(20, 20)); // PNG bytes, .jpg name
  writeFileSync(join(root, 'bee', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'stray.jpg'), await jpeg(20, 20)); // not in a class folder
  const ds = await openImageFolder(root);
  assert.deepEqual(ds.classes, ['Ant', 'bee', 'zebra']);
  assert.equal(ds.length, 4);
  const items = await Promise.all(Array.from({ length: ds.length }, (_, i) => ds.read(i)));
  assert.deepEqual(items.map((it) => [it.name, it.label]), [['Ant/x.png', 0], ['bee/nested/y.jpg', 1], ['zebra/a.JPEG', 2], ['zebra/b.jpg', 2]]);
  assert.ok(items.every((it) => it.kind === 'encoded' && it.bytes.length > 0));
  await assert.rejects(ds.read(4), RangeError);
  await assert.rejects(openImageFolder(join(root, 'missing')), DatasetError);
});

test('ImageFolder: symbolic-link loops, dangling links, unreadable folders and non-image files are skipped and counted, never a crash', async () => {
  const { chmodSync, symlinkSync } = await import('node:fs');
  const root = tmp('messy');
  mkdirSync(join(root, 'cat', 'deep'), { recursive: true });
  mkdirSync(join(root, 'dog'));
  writeFileSync(join(root, 'cat', 'a.jpg'), await jpeg(20, 20));
  writeFileSync(join(root, 'cat', 'deep', 'b.png'), await png(20, 20));
  writeFileSync(join(root, 'dog', 'c.jpg'), await jpeg(20, 20));
  writeFileSync(join(root, 'dog', 'README'), 'not an image');
  symlinkSync('..', join(root, 'cat', 'deep', 'up')); // cat/deep/up → cat: a loop
  symlinkSync(join(root, 'nowhere'), join(root, 'dog', 'dangling.jpg'));
  const locked = join(root, 'dog', 'locked');
  mkdirSync(locked);
  writeFileSync(join(locked, 'd.jpg'), await jpeg(20, 20));
  chmodSync(locked, 0);
  const asRoot = process.getuid?.() === 0; // root reads a mode-000 folder anyway
  try {
    const ds = await openImageFolder(root);
    assert.deepEqual(ds.classes, ['cat', 'dog']);
    const names = await Promise.all(Array.from({ length: ds.length }, async (_, i) => (await ds.read(i)).name));
    assert.ok(names.includes('cat/a.jpg') && names.includes('cat/deep/b.png') && names.includes('dog/c.jpg'), names.join(', '));
    assert.ok(names.every((n) => !n.includes('/up/')), 'nothing through the loop');
    assert.equal(ds.skipped?.['symlink-loop'], 1, JSON.stringify(ds.skipped));
    assert.equal(ds.skipped?.['broken-link'], 1);
    assert.equal(ds.skipped?.['not-an-image'], 1);
    assert.equal(ds.skipped?.['unreadable-folder'], asRoot ? undefined : 1);
    assert.equal(ds.length, asRoot ? 4 : 3, names.join(', '));
    assert.match(ds.description, /skipped .*1 symlink-loop/);
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('ImageFolder: a file deleted after listing is an unreadable image, not a crash', async () => {
  const root = tmp('gone');
  mkdirSync(join(root, 'c'));
  writeFileSync(join(root, 'c', 'a.jpg'), await jpeg(20, 20));
  const ds = await openImageFolder(root);
  const { rmSync } = await import('node:fs');
  rmSync(join(root, 'c', 'a.jpg'));
  await assert.rejects(ds.read(0), (e: unknown) => e instanceof ImageRejectedError && e.reason === 'unreadable' && e.file === 'c/a.jpg');
});

test('manifest: JSONL {path, label?} relative to its folder; malformed lines name the line', async () => {
  const root = tmp('manifest');
  mkdirSync(join(root, 'img'));
  writeFileSync(join(root, 'img', 'a.jpg'), await jpeg(20, 20));
  writeFileSync(join(root, 'img', 'b.png'), await png(20, 20));
  const path = join(root, 'train.jsonl');
  writeFileSync(path, '{"path":"img/a.jpg","label":3}\n\n{"path":"img/b.png"}\n');
  const ds = await openManifest(path);
  assert.equal(ds.length, 2);
  const [a, b] = [await ds.read(0), await ds.read(1)];
  assert.deepEqual([a.name, a.label, b.name, b.label], ['img/a.jpg', 3, 'img/b.png', undefined]);
  for (const [bad, why] of [['{"path":"a.jpg"}\nnot json\n', /line 2: not JSON/], ['{"path":"a.jpg","label":-1}\n', /line 1: label/], ['{"label":1}\n', /line 1: path/], ['\n', /lists no images/]] as const) {
    writeFileSync(path, bad);
    await assert.rejects(openManifest(path), (e: unknown) => e instanceof DatasetError && why.test(e.message));
  }
});

function idxBytes(type: number, dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

test('IDX: plain and gzipped, grey and RGB, labels checked against images', async () => {
  const root = tmp('idx');
  const px = new Uint8Array(3 * 4 * 5).map((_, i) => i);
  writeFileSync(join(root, 'im'), idxBytes(8, [3, 4, 5], px));
  writeFileSync(join(root, 'lb.gz'), gzipSync(idxBytes(8, [3], new Uint8Array([7, 8, 9]))));
  const ds = await openIdx({ images: join(root, 'im'), labels: join(root, 'lb.gz') });
  const item = await ds.read(2);
  assert.equal(ds.length, 3);
  assert.deepEqual(item.kind === 'pixels' && [item.width, item.height, item.channels, item.label, item.name, [...item.pixels]],
    [5, 4, 1, 9, 'im#2', [...px.subarray(40, 60)]]);
  writeFileSync(join(root, 'rgb.gz'), gzipSync(idxBytes(8, [2, 2, 2, 3], new Uint8Array(24))));
  assert.equal(((await (await openIdx({ images: join(root, 'rgb.gz') })).read(1)) as { channels: number }).channels, 3);
  writeFileSync(join(root, 'short'), idxBytes(8, [3, 4, 5], px.subarray(1)));
  await assert.rejects(openIdx({ images: join(root, 'short') }), /need 60 bytes/);
  writeFileSync(join(root, 'f32'), idxBytes(0x0d, [1], new Uint8Array(4)));
  await assert.rejects(openIdx({ images: join(root, 'f32') }), /not unsigned byte/);
  writeFileSync(join(root, 'lb2'), idxBytes(8, [2], new Uint8Array(2)));
  await assert.rejects(openIdx({ images: join(root, 'im'), labels: join(root, 'lb2') }), /labels must be \[3\]/);
});

test('the bundled sample: 2,000 training and 500 test Fashion-MNIST images, 10 balanced classes', async () => {
  const train = await openSampleDataset();
  const t10k = await openSampleDataset('t10k');
  assert.deepEqual([train.length, t10k.length], [2000, 500]);
  assert.equal(train.classes?.length, 10);
  assert.equal(train.classes?.[9], 'Ankle boot');
  const counts = new Array(10).fill(0);
  for (let i = 0; i < train.length; i++) counts[(await train.read(i)).label!]++;
  assert.deepEqual(counts, new Array(10).fill(200));
  const item = await train.read(0);
  assert.ok(item.kind === 'pixels' && item.width === 28 && item.height === 28 && item.channels === 1);
});

test('detectDataset picks the reader from the path', async () => {
  assert.deepEqual(detectDataset(SAMPLE_DATASET_DIR), { kind: 'idx', dir: SAMPLE_DATASET_DIR, split: 'train' });
  const root = tmp('detect');
  writeFileSync(join(root, 'm.jsonl'), '{"path":"x.jpg"}\n');
  assert.deepEqual(detectDataset(join(root, 'm.jsonl')), { kind: 'manifest', path: join(root, 'm.jsonl') });
  assert.deepEqual(detectDataset(root), { kind: 'image-folder', root });
  assert.throws(() => detectDataset(join(root, 'nope')), DatasetError);
  assert.equal((await openDataset(detectDataset(SAMPLE_DATASET_DIR, 't10k'))).length, 500);
});
