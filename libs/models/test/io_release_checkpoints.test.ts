/**
 * Release-shaped checkpoints are read with every key accounted for. MoCo-v2 ({epoch, arch,
 * state_dict: module.encoder_q.*, module.encoder_k.*, module.queue, module.queue_ptr,
 * optimizer}): encoder_q loaded, the rest dropped with a reason or listed as ignored. SwAV
 * (module.<resnet>, module.projection_head.*, module.prototypes.weight): backbone only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { importCheckpoint, mapNames, openWeights, readSafetensors, toFloat32, withWeights, writeSafetensors, type TensorToWrite } from '@disco/models';

await initBackend();

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const PATH = `${FIXTURES}resnet18-cifar.pth`;
const ARCH = { arch: 'resnet18-cifar', width: 4 / 64 };

test('the release layout is detected and every key is loaded or deliberately dropped', () => {
  const before = tf.memory().numTensors;
  const { module, report } = importCheckpoint(PATH, { ...ARCH, target: 'encoder' });
  assert.equal(report.format, 'torch-zip');
  assert.equal(report.source, 'moco-v2');
  assert.deepEqual(report.metadata, { epoch: '200', arch: 'resnet18-cifar' });
  assert.deepEqual(report.ignored, ['optimizer']);
  const reasons = new Map<string, number>();
  for (const d of report.dropped) reasons.set(d.reason.split(' (')[0], (reasons.get(d.reason.split(' (')[0]) ?? 0) + 1);
  const keys = withWeights(PATH, (w) => [...w.tensors.keys()]);
  const q = keys.filter((k) => k.startsWith('module.encoder_q.'));
  const counters = q.filter((k) => k.endsWith('num_batches_tracked')).length;
  assert.equal(report.loaded, q.length - counters);
  assert.equal(report.loaded, module.namedTensors().length);
  assert.deepEqual(Object.fromEntries(reasons), {
    'BatchNorm batch counter': 2 * counters,
    'MoCo key encoder': q.length - counters, // its BatchNorm counters are counted above
    'MoCo queue of negative keys': 1,
    'MoCo queue pointer': 1,
  });
  assert.equal(report.loaded + report.dropped.length, keys.length, 'every key accounted for');
  module.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('the query encoder is loaded, not the key encoder, and layouts are converted', () => {
  const { module } = importCheckpoint(PATH, { ...ARCH, target: 'encoder' });
  const conv1 = module.namedTensors().find((t) => t.name === 'backbone.conv1.weight')!.variable; // [3, 3, 3, 4] HWIO
  const fc0 = module.namedTensors().find((t) => t.name === 'fc.0.weight')!.variable; // [32, 32] [in, out]
  withWeights(PATH, (w) => {
    const q = toFloat32(w.tensors.get('module.encoder_q.conv1.weight')!.read()); // [4, 3, 3, 3] OIHW
    const k = toFloat32(w.tensors.get('module.encoder_k.conv1.weight')!.read());
    const ours = conv1.dataSync();
    // ours[kh][kw][i][o] = q[o][i][kh][kw]
    const at = (o: number, i: number, kh: number, kw: number) => ((kh * 3 + kw) * 3 + i) * 4 + o;
    assert.equal(ours[at(2, 1, 0, 2)], q[((2 * 3 + 1) * 3 + 0) * 3 + 2]);
    assert.notEqual(ours[at(2, 1, 0, 2)], k[((2 * 3 + 1) * 3 + 0) * 3 + 2]);
    const w0 = toFloat32(w.tensors.get('module.encoder_q.fc.0.weight')!.read()); // [out 32, in 32]
    assert.equal(fc0.dataSync()[5 * 32 + 7], w0[7 * 32 + 5]);
  });
  module.dispose();
});

test('as a backbone, the MoCo head is dropped with its reason', () => {
  const { module, report } = importCheckpoint(PATH, { ...ARCH, target: 'backbone' });
  const head = report.dropped.filter((d) => d.key.startsWith('module.encoder_q.fc.'));
  assert.deepEqual(head.map((d) => d.key), ['module.encoder_q.fc.0.weight', 'module.encoder_q.fc.0.bias', 'module.encoder_q.fc.2.weight', 'module.encoder_q.fc.2.bias']);
  assert.match(head[0].reason, /projection head/);
  module.dispose();
});

test('the optimizer entry is parsed, and its tensors stay out of the state dict', () => {
  const w = openWeights(PATH);
  assert.ok(![...w.tensors.keys()].some((k) => k.includes('momentum')));
  w.close();
});

test('the name maps are explicit: without the DataParallel prefix too, and nothing left unmapped', () => {
  const keys = ['encoder_q.conv1.weight', 'encoder_q.fc.0.bias', 'encoder_k.conv1.weight', 'queue', 'queue_ptr', 'encoder_q.bn1.num_batches_tracked', 'extra'];
  const m = mapNames(keys, 'moco-v2', 'encoder', () => true);
  assert.deepEqual([...m.mapped], [['encoder_q.conv1.weight', 'backbone.conv1.weight'], ['encoder_q.fc.0.bias', 'fc.0.bias']]);
  assert.deepEqual(m.dropped.map((d) => d.key), ['encoder_k.conv1.weight', 'queue', 'queue_ptr', 'encoder_q.bn1.num_batches_tracked']);
  assert.deepEqual(m.unknown, ['extra']);
  // torchvision → backbone: a classifier the backbone lacks is dropped, one it has (MobileNet's classifier.0) kept.
  const tv = mapNames(['classifier.0.weight', 'classifier.3.weight', 'fc.weight'], 'torchvision', 'backbone', (n) => n === 'classifier.0.weight');
  assert.deepEqual([...tv.mapped.keys()], ['classifier.0.weight']);
  assert.deepEqual(tv.dropped.map((d) => d.key), ['classifier.3.weight', 'fc.weight']);
});

test('a SwAV-release-shaped checkpoint loads as a backbone (head and prototypes dropped) and matches PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-swav-'));
  try {
    const torchvision = readSafetensors(`${FIXTURES}resnet18-cifar.safetensors`).tensors;
    const swav = new Map<string, TensorToWrite>();
    for (const [k, v] of torchvision) if (!k.startsWith('fc.')) swav.set(`module.${k}`, v);
    const zeros = (shape: number[]): TensorToWrite => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    for (const [k, shape] of [['0.weight', [64, 32]], ['0.bias', [64]], ['1.weight', [64]], ['1.bias', [64]], ['1.running_mean', [64]], ['1.running_var', [64]], ['3.weight', [16, 64]], ['3.bias', [16]]] as const) {
      swav.set(`module.projection_head.${k}`, zeros([...shape]));
    }
    swav.set('module.prototypes.weight', zeros([30, 16]));
    const path = join(dir, 'swav.safetensors');
    writeSafetensors(path, swav);

    const { module, report } = importCheckpoint(path, { ...ARCH, target: 'backbone' });
    assert.equal(report.source, 'swav');
    assert.deepEqual(
      report.dropped.filter((d) => !d.key.endsWith('num_batches_tracked')).map((d) => d.key.split('.').slice(0, 2).join('.')),
      [...Array(8).fill('module.projection_head'), 'module.prototypes'],
    );
    const expected = readSafetensors(`${FIXTURES}resnet18-cifar.expected.safetensors`).tensors;
    const x = expected.get('input')!;
    const input = tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(x), x.shape as [number, number, number, number]), [0, 2, 3, 1])); // [N, H, W, 3]
    const feats = module.forward(input, { bn: 'eval' }); // [N, 32]
    const want = toFloat32(expected.get('features')!);
    const diff = Array.from(feats.dataSync()).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    assert.ok(diff <= 1e-4, `features differ by ${diff}`);
    tf.dispose([input, feats]);
    module.dispose();
    assert.throws(() => importCheckpoint(path, { ...ARCH, target: 'encoder' }), /'swav' checkpoint cannot fill an encoder.*target 'backbone'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
