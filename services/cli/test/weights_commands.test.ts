/**
 * `disco import-teacher` and `disco export` as a user runs them (real processes, real files):
 * a MoCo-v2-shaped PyTorch checkpoint in, a disco teacher and deployable backbones out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { importCheckpoint } from '@disco/models';

const MAIN = 'services/cli/src/main.ts';
const MOCO = 'test/fixtures/models/resnet18-cifar.pth'; // width 1/16, head 32 → 16, MoCo-v2 keys
const WIDTH = '0.0625';

function disco(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, DISCO_BACKEND: 'cpu' } });
}

async function sameTensors(a: tf.Variable[], b: tf.Variable[]): Promise<void> {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.deepEqual(await a[i].data(), await b[i].data());
}

await initBackend('cpu');
const dir = mkdtempSync(join(tmpdir(), 'disco-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('import-teacher writes a teacher that loads back bit-exactly, with what it dropped', async () => {
  const out = join(dir, 'teacher');
  const r = disco('import-teacher', MOCO, '--arch', 'resnet18-cifar', '--width', WIDTH, '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'teacher.json'), 'utf8'));
  assert.equal(manifest.source, 'moco-v2');
  assert.equal(manifest.headHidden, 32);
  assert.equal(manifest.embedDim, 16);
  assert.ok(manifest.dropped.some((d: { key: string }) => d.key.includes('queue')), 'the MoCo queue is dropped with a reason');
  const original = importCheckpoint(MOCO, { arch: 'resnet18-cifar', width: Number(WIDTH), target: 'encoder' }).module;
  const reloaded = importCheckpoint(join(out, 'teacher.safetensors'), { arch: 'resnet18-cifar', width: Number(WIDTH), target: 'encoder' });
  assert.equal(reloaded.report.source, 'disco');
  await sameTensors(
    original.namedTensors().map((t) => t.variable),
    reloaded.module.namedTensors().map((t) => t.variable),
  );
  original.dispose();
  reloaded.module.dispose();
});

test('export writes the backbone without its head in both formats, each loading back bit-exactly', async () => {
  const original = importCheckpoint(MOCO, { arch: 'resnet18-cifar', width: Number(WIDTH), target: 'backbone' }).module;
  for (const [format, path] of [
    ['safetensors', join(dir, 'student.safetensors')],
    ['tfjs', join(dir, 'student-tfjs')],
  ] as const) {
    const r = disco('export', MOCO, '--arch', 'resnet18-cifar', '--width', WIDTH, '--format', format, '--out', path);
    assert.equal(r.status, 0, r.stderr);
    const file = format === 'tfjs' ? join(path, 'model.json') : path;
    const back = importCheckpoint(file, { arch: 'resnet18-cifar', width: Number(WIDTH), target: 'backbone' });
    assert.ok(!back.module.namedTensors().some((t) => t.name.startsWith('fc.')), 'no head in the export');
    await sameTensors(
      original.namedTensors().map((t) => t.variable),
      back.module.namedTensors().map((t) => t.variable),
    );
    back.module.dispose();
  }
  original.dispose();
});

test('bad command lines exit 2 and say what is wrong', () => {
  let r = disco('export', MOCO, '--arch', 'resnet18-cifar', '--format', 'onnx', '--out', join(dir, 'x'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format 'onnx' is not one of tfjs, safetensors/);
  r = disco('import-teacher', MOCO, '--out', join(dir, 'y'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--arch is required/);
  r = disco('nonsense');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'nonsense'/);
});

test('a corrupt checkpoint or the wrong architecture fails with the file named, exit 1', () => {
  const bad = join(dir, 'bad.pth');
  writeFileSync(bad, readFileSync(MOCO).subarray(0, 1000));
  let r = disco('import-teacher', bad, '--arch', 'resnet18-cifar', '--width', WIDTH, '--out', join(dir, 'z'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.pth/);
  r = disco('import-teacher', MOCO, '--arch', 'resnet50', '--width', WIDTH, '--out', join(dir, 'z'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing|unknown|shape/);
});

test('info --json names the backend, why the others were refused, and every model with its size', () => {
  const r = disco('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.backend.name, 'cpu');
  const r50 = info.models.find((m: { name: string }) => m.name === 'resnet50');
  assert.equal(r50.parameters, 23_508_032);
});
