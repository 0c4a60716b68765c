/**
 * Export of a backbone: safetensors with torchvision names and PyTorch layouts (byte-identical to
 * the state dict PyTorch saved), and tfjs weights; each imports back bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { createBackbone, createEncoder, exportBackbone, importCheckpoint, loadWeights, readSafetensors, type Module } from '@disco/models';

await initBackend();

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'disco-io-export-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const ARCHS = [
  { arch: 'resnet18-cifar', width: 4 / 64 },
  { arch: 'mobilenetv3-large', width: 0.05 }, // depthwise kernels
  { arch: 'efficientnet-b0', width: 0.05 },
];

/** Every tensor's bits, by name. */
function bits(m: Module): Map<string, number[]> {
  return new Map(m.namedTensors().map((t) => [t.name, Array.from(new Uint32Array((t.variable.dataSync() as Float32Array).buffer))]));
}

for (const { arch, width } of ARCHS) {
  test(`${arch}: safetensors export equals PyTorch's own state dict and round-trips bit-exactly`, async () => {
    const { module: trained } = importCheckpoint(`${FIXTURES}${arch}.safetensors`, { arch, width, target: 'backbone' });
    const path = join(dir, `${arch}.safetensors`);
    const before = tf.memory().numTensors;
    const result = await exportBackbone(trained, path, 'safetensors', { arch, width: String(width) });
    assert.equal(tf.memory().numTensors, before, 'export creates no tensors');
    assert.deepEqual(result.files, [path]);

    const exported = readSafetensors(path);
    assert.equal(exported.metadata.format, 'pt');
    assert.equal(exported.metadata.arch, arch);
    const torch = readSafetensors(`${FIXTURES}${arch}.safetensors`).tensors;
    for (const [name, t] of exported.tensors) {
      const ref = torch.get(name);
      assert.ok(ref, `${name} is a torchvision name`);
      assert.deepEqual(t.shape, ref.shape, `${name}: PyTorch layout`);
      if (name.endsWith('num_batches_tracked')) assert.deepEqual([t.dtype, [...t.data]], ['I64', [0, 0, 0, 0, 0, 0, 0, 0]]);
      else assert.ok(Buffer.from(t.data).equals(Buffer.from(ref.data)), `${name}: same bytes as PyTorch's`);
    }
    const notExported = [...torch.keys()].filter((k) => !exported.tensors.has(k));
    assert.ok(notExported.every((k) => /^(fc|classifier)\./.test(k)), `only the head/classifier is left out: ${notExported}`);

    const fresh = createBackbone(arch, { width, seed: 99 });
    const report = loadWeights(fresh, path, { target: 'backbone' });
    assert.equal(report.source, 'torchvision');
    assert.deepEqual(bits(fresh), bits(trained));
    fresh.dispose();
    trained.dispose();
  });

  test(`${arch}: tfjs export (model.json + .bin) round-trips bit-exactly`, async () => {
    const { module: trained } = importCheckpoint(`${FIXTURES}${arch}.pth`, { arch, width, target: 'backbone' });
    const out = join(dir, `${arch}-tfjs`);
    const result = await exportBackbone(trained, out, 'tfjs', { arch });
    assert.deepEqual(result.files, [join(out, 'model.json'), join(out, 'group1-shard1of1.bin')]);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf-8'));
    const names = trained.namedTensors().map((t) => t.name);
    assert.deepEqual(json.weightsManifest[0].weights.map((w: { name: string }) => w.name), names);
    assert.equal(json.userDefinedMetadata.arch, arch);
    assert.equal(json.userDefinedMetadata.disco.layouts[names[0]], trained.namedTensors()[0].layout);

    const fresh = createBackbone(arch, { width, seed: 98 });
    const report = loadWeights(fresh, join(out, 'model.json'), { target: 'backbone' });
    assert.equal(report.format, 'tfjs');
    assert.deepEqual(bits(fresh), bits(trained));
    fresh.dispose();
    trained.dispose();
  });
}

test('exporting an encoder is refused: the head is not part of an exported student', async () => {
  const enc = createEncoder('resnet18-cifar', { width: 4 / 64, seed: 1, headHidden: 8, embedDim: 4 });
  await assert.rejects(exportBackbone(enc, join(dir, 'enc.safetensors'), 'safetensors'), /pass encoder\.backbone/);
  const r = await exportBackbone(enc.backbone, join(dir, 'enc.safetensors'), 'safetensors');
  assert.ok(r.tensors > 0);
  enc.dispose();
});
