/**
 * Imported PyTorch weights through ONNX: every architecture of test/fixtures/models/parity.json,
 * loaded from its MoCo-v2-shaped .pth with `importCheckpoint`, exported (BN folded) and run in
 * onnxruntime-node, gives the same features, head output and L2-normalised embedding as our tfjs
 * eval forward and as PyTorch itself (the `.expected.safetensors` made by
 * test/reference/make_model_parity.py), within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { OnnxSession, exportOnnx, importCheckpoint, loadOnnxRuntime, readSafetensors, toFloat32 } from '@disco/models';

await initBackend();
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const TOLERANCE = 1e-4;
const manifest = JSON.parse(readFileSync(`${FIXTURES}parity.json`, 'utf-8')) as { archs: { arch: string; width: number; embedDim: number }[] };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function l2Rows(y: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(y.length);
  for (let r = 0; r < y.length / dim; r++) {
    const row = y.subarray(r * dim, (r + 1) * dim);
    const norm = Math.max(Math.hypot(...row), 1e-12);
    row.forEach((v, i) => (out[r * dim + i] = v / norm));
  }
  return out;
}

for (const { arch, width, embedDim } of manifest.archs) {
  test(`${arch}: imported .pth through ONNX equals tfjs and PyTorch (features, head, L2 embedding)`, async () => {
    const probe = await loadOnnxRuntime();
    assert.ok(probe.available, `onnxruntime-node is an optionalDependency installed from the lockfile: ${probe.available ? '' : probe.reason}`);
    const { tensors } = readSafetensors(`${FIXTURES}${arch}.expected.safetensors`);
    const input = tensors.get('input')!;
    const [n, , h, w] = input.shape;
    const x = tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(input), [n, 3, h, w]), [0, 2, 3, 1])) as tf.Tensor4D; // [n, h, w, 3]
    const encoder = importCheckpoint(`${FIXTURES}${arch}.pth`, { arch, width, target: 'encoder' }).module;
    const [tfFeatures, tfEmbedding] = tf.tidy(() => [encoder.features(x, { bn: 'eval' }).dataSync(), encoder.forward(x, { bn: 'eval' }).dataSync()]) as Float32Array[];

    const outputs: Float32Array[] = [];
    for (const options of [{ output: 'features' as const }, {}, { l2Normalize: true }]) {
      const session = await OnnxSession.create(probe.ort, exportOnnx(encoder, options));
      outputs.push(await session.run(x.dataSync() as Float32Array, x.shape));
      await session.dispose();
    }
    const [features, embedding, l2] = outputs;
    encoder.dispose();
    x.dispose();

    const d = {
      'features vs tfjs': maxAbsDiff(features, tfFeatures),
      'head vs tfjs': maxAbsDiff(embedding, tfEmbedding),
      'L2 embedding vs tfjs': maxAbsDiff(l2, l2Rows(tfEmbedding, embedDim)),
      'features vs PyTorch': maxAbsDiff(features, toFloat32(tensors.get('features')!)),
      'head vs PyTorch': maxAbsDiff(embedding, toFloat32(tensors.get('embedding')!)),
    };
    console.log(`# ${arch}: ${Object.entries(d).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
    for (const [what, diff] of Object.entries(d)) assert.ok(diff <= TOLERANCE, `${arch} ${what}: ${diff}`);
  });
}
