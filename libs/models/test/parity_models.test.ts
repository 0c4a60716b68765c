/**
 * Parity with PyTorch: every architecture of test/fixtures/models/parity.json, imported from the
 * MoCo-v2-shaped .pth and the torchvision-style .safetensors, must reproduce PyTorch's eval-mode
 * features and projection-head output (max abs diff ≤ 1e-4). Fixtures:
 * test/reference/make_model_parity.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { importCheckpoint, readSafetensors, toFloat32, type ImportTarget } from '@disco/models';

await initBackend();

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const TOLERANCE = 1e-4;

interface ParityEntry {
  arch: string;
  width: number;
  headHidden: number;
  embedDim: number;
  inputSize: number;
}
const manifest = JSON.parse(readFileSync(`${FIXTURES}parity.json`, 'utf-8')) as { archs: ParityEntry[] };

function expected(arch: string): { input: tf.Tensor4D; features: Float32Array; embedding: Float32Array } {
  const { tensors } = readSafetensors(`${FIXTURES}${arch}.expected.safetensors`);
  const x = tensors.get('input')!;
  const nchw = tf.tensor4d(toFloat32(x), x.shape as [number, number, number, number]); // [N, 3, H, W]
  const input = tf.transpose(nchw, [0, 2, 3, 1]); // [N, H, W, 3]
  nchw.dispose();
  return { input, features: toFloat32(tensors.get('features')!), embedding: toFloat32(tensors.get('embedding')!) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

function check(entry: ParityEntry, file: string, target: ImportTarget): void {
  const ref = expected(entry.arch);
  const before = tf.memory().numTensors;
  const { module, report } = importCheckpoint(`${FIXTURES}${file}`, { arch: entry.arch, width: entry.width, target });
  assert.equal(tf.memory().numTensors - before, module.namedTensors().length, 'import leaves only the module tensors');
  assert.equal(report.loaded, module.namedTensors().length);
  const encoder = target === 'encoder' ? (module as import('@disco/models').Encoder) : undefined;
  const feats = (encoder ? encoder.features(ref.input, { bn: 'eval' }) : module.forward(ref.input, { bn: 'eval' })) as tf.Tensor2D;
  const dFeat = maxAbsDiff(feats.dataSync() as Float32Array, ref.features);
  let dEmb = 0;
  if (encoder) {
    const emb = encoder.forward(ref.input, { bn: 'eval' }); // [N, embedDim]
    assert.deepEqual(emb.shape, [ref.input.shape[0], entry.embedDim]);
    dEmb = maxAbsDiff(emb.dataSync() as Float32Array, ref.embedding);
    emb.dispose();
  }
  tf.dispose([feats, ref.input]);
  module.dispose();
  assert.equal(tf.memory().numTensors, before - 1, 'no tensor leaks (the input was disposed)');
  console.log(`# ${entry.arch} ${file} → ${target}: max|Δfeatures| ${dFeat.toExponential(2)}, max|Δembedding| ${dEmb.toExponential(2)}`);
  assert.ok(dFeat <= TOLERANCE, `${entry.arch} features differ by ${dFeat}`);
  assert.ok(dEmb <= TOLERANCE, `${entry.arch} embeddings differ by ${dEmb}`);
}

for (const entry of manifest.archs) {
  test(`${entry.arch}: MoCo-v2 .pth → encoder matches PyTorch (features and head)`, () => check(entry, `${entry.arch}.pth`, 'encoder'));
  test(`${entry.arch}: torchvision .safetensors → encoder matches PyTorch (features and head)`, () => check(entry, `${entry.arch}.safetensors`, 'encoder'));
  test(`${entry.arch}: both formats → backbone (head dropped) match PyTorch features`, () => {
    check(entry, `${entry.arch}.pth`, 'backbone');
    check(entry, `${entry.arch}.safetensors`, 'backbone');
  });
}

test('resnet18: a legacy (PyTorch < 1.6) MoCo-v2 checkpoint → encoder matches PyTorch', () => {
  check(manifest.archs.find((e) => e.arch === 'resnet18')!, 'resnet18.legacy.pth', 'encoder');
});
