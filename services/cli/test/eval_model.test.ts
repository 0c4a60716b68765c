/**
 * `disco eval --model <path>` as a user runs it (real processes, real files): a tiny run trained
 * by `disco train` (MoCo-v2, 2 steps) gives real trainer checkpoints, a run directory and a final
 * export; each evaluates with its architecture read from the weights, the output says which
 * weights were used, and bad paths or contradicting flags fail with the path named.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { importCheckpoint, moduleTensors } from '@disco/models';
import { initBackend } from '@disco/tensor';
import { readCheckpointBackbone, readCheckpointEncoder } from '@disco/trainer-service';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/sample/', import.meta.url));
const MOCO = fileURLToPath(new URL('../../../test/fixtures/models/resnet18-cifar.pth', import.meta.url)); // width 1/16, no width recorded
const dir = mkdtempSync(join(tmpdir(), 'disco-eval-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const runDir = join(dir, 'tiny');
const checkpoint = (step: number) => join(runDir, 'checkpoints', `step-${String(step).padStart(10, '0')}.safetensors`);
const data = join(dir, 'data');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function disco(...args: string[]): Promise<Result> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_'))), DISCO_BACKEND: 'cpu' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `disco eval` on the small labelled set: kNN only (one linear-probe run is enough for these tests). */
const evaluate = (...args: string[]) => disco('eval', ...args, '--train', data, '--test', data, '--size', '16', '--no-linear', '--json');
const json = (r: Result) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { arch: string; width: number; source: { kind: string; path: string; globalStep?: number; description: string; architectureFrom: string }; knn: { top1: number }; n_train: number };
};

/** The first `n` items of an IDX file (images: 16-byte header, labels: 8). */
function idxPrefix(bytes: Buffer, n: number): Buffer {
  const images = bytes.readUInt32BE(0) === 2051;
  const out = Buffer.from(bytes.subarray(0, images ? 16 + n * bytes.readUInt32BE(8) * bytes.readUInt32BE(12) : 8 + n));
  out.writeUInt32BE(n, 4);
  return out;
}

before(async () => {
  mkdirSync(data);
  for (const [split, n] of [['train', 200], ['t10k', 100]] as const) {
    for (const kind of ['images-idx3', 'labels-idx1']) {
      writeFileSync(join(data, `${split}-${kind}-ubyte`), idxPrefix(gunzipSync(readFileSync(join(SAMPLE, `${split}-${kind}-ubyte.gz`))), n));
    }
  }
  const config = join(dir, 'tiny.json');
  const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
  writeFileSync(config, JSON.stringify({
    trainer: { ...loopback, run: 'tiny', runDir, seed: 1, epochs: 1, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 16, checkpointEvery: 1 },
    algo: { mode: 'mocov2', k: 16, headHidden: 16, embedDim: 8, ghostBatchSize: 4 },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    local: { teachers: 0, progress: 'none' },
    drain: { graceMs: 5000 },
  }));
  const [trained, imported] = await Promise.all([
    disco('train', '--config', config),
    disco('import-teacher', MOCO, '--arch', 'resnet18-cifar', '--width', '0.0625', '--out', join(dir, 'teacher')),
  ]);
  assert.equal(trained.code, 0, trained.stdout + trained.stderr);
  assert.equal(imported.code, 0, imported.stderr);
  // The same run as if it had been stopped before the end: checkpoints, no export, no summary.
  cpSync(runDir, join(dir, 'unfinished'), { recursive: true });
  rmSync(join(dir, 'unfinished', 'export'), { recursive: true });
  rmSync(join(dir, 'unfinished', 'summary.json'));
});

test('a finished run directory evaluates its final export; the same run unfinished, its newest checkpoint; both the same student', async () => {
  const [done, unfinished] = await Promise.all([evaluate('--model', runDir), disco('eval', join(dir, 'unfinished'), '--train', data, '--test', data, '--size', '16', '--no-linear')]);
  const d = json(done);
  assert.equal(d.source.kind, 'run-export');
  assert.equal(d.source.path, join(runDir, 'export', 'student.safetensors'));
  assert.match(d.source.description, /final export of run .*\(the run finished\)/);
  assert.deepEqual([d.arch, d.width, d.n_train], ['resnet18-cifar', 0.0625, 200]);
  assert.equal(unfinished.code, 0, unfinished.stderr);
  const out = unfinished.stdout;
  assert.match(out, /^model: .*unfinished\/checkpoints\/step-0000000002\.safetensors: newest valid checkpoint of run .*unfinished \(run state unknown \(no summary\.json\), no final export\); student of run 'tiny' \(mode mocov2\) after 2 steps/m);
  assert.match(out, /^resnet18-cifar \(width 0\.0625; architecture from the checkpoint's config.*\) on 200 train \/ 100 test images, 32-d features$/m);
  // The last checkpoint holds the student the export was written from: the same accuracy.
  assert.match(out, new RegExp(`^kNN \\(k=200, T=0\\.1\\): top-1 ${(100 * d.knn.top1).toFixed(2)} %`, 'm'));
});

test('a checkpoint file (with agreeing flags, or none), the checkpoints folder, and the tfjs export all evaluate', async () => {
  const [first, folder, tfjs] = await Promise.all([
    disco('eval', checkpoint(1), '--arch', 'resnet18-cifar', '--width', '0.0625', '--train', data, '--test', data, '--size', '16', '--linear-epochs', '2', '--json'),
    evaluate('--model', join(runDir, 'checkpoints')),
    evaluate('--model', join(runDir, 'export', 'student-tfjs')),
  ]);
  const f = JSON.parse(first.stdout);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(f.source.kind, 'checkpoint');
  assert.equal(f.source.globalStep, 1);
  assert.ok(f.linear.top1 >= 0 && f.linear.top1 <= 1);
  const c = json(folder);
  assert.equal(c.source.path, checkpoint(2));
  assert.match(c.source.description, /newest valid checkpoint in .*checkpoints/);
  const t = json(tfjs);
  assert.match(t.source.description, /\(tfjs\)/);
  assert.equal(t.knn.top1, c.knn.top1, 'the tfjs export is the last checkpoint student');
});

test('an imported teacher (.safetensors) and a PyTorch MoCo-v2 .pth evaluate to the same backbone', async () => {
  const [imported, pth, noWidth] = await Promise.all([
    evaluate('--model', join(dir, 'teacher', 'teacher.safetensors')),
    evaluate('--model', MOCO, '--width', '0.0625'),
    evaluate('--model', MOCO),
  ]);
  const i = json(imported);
  assert.match(i.source.description, /an encoder: its backbone/);
  assert.match(i.source.architectureFrom, /architecture from the file's metadata/);
  const p = json(pth);
  assert.equal(p.source.architectureFrom, "arch from the file's metadata, width from --width");
  assert.equal(p.knn.top1, i.knn.top1);
  assert.equal(noWidth.code, 1);
  assert.match(noWidth.stderr, /resnet18-cifar\.pth does not record its width multiplier .*give --width/);
});

test('the folder import-teacher wrote (or its teacher.json) evaluates with the architecture it records; a contradicting --width is refused', async () => {
  const teacher = join(dir, 'teacher');
  const [folder, manifest, bad] = await Promise.all([
    evaluate('--model', teacher),
    evaluate('--model', join(teacher, 'teacher.json')),
    evaluate('--model', teacher, '--width', '0.25'),
  ]);
  const f = json(folder);
  assert.deepEqual([f.arch, f.width], ['resnet18-cifar', 0.0625]);
  assert.match(f.source.description, /teacher .*teacher\.json/);
  assert.equal(json(manifest).knn.top1, f.knn.top1);
  assert.equal(json(await evaluate('--model', join(teacher, 'teacher.safetensors'))).knn.top1, f.knn.top1, 'the same weights as the file itself');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--width 0\.25 contradicts .*teacher\.json: the teacher manifest says width 0\.0625/);
});

test('import-teacher takes a disco run (a MoCo-v2 run trained to be a teacher): its student with its head, architecture from the checkpoint', async () => {
  const out = join(dir, 'teacher-from-run');
  const imported = await disco('import-teacher', runDir, '--out', out);
  assert.equal(imported.code, 0, imported.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'teacher.json'), 'utf8')) as { arch: string; width: number; headHidden: number; embedDim: number; source: string };
  assert.deepEqual([manifest.arch, manifest.width, manifest.headHidden, manifest.embedDim, manifest.source], ['resnet18-cifar', 0.0625, 16, 8, 'disco-checkpoint']);
  const [asTeacher, asRun] = await Promise.all([evaluate('--model', out), evaluate('--model', runDir)]);
  assert.equal(json(asTeacher).knn.top1, json(asRun).knn.top1, "the teacher's backbone is the run's final student");
});

test('disco train takes the imported teacher by its folder: architecture, width, head and embedding size from teacher.json', async () => {
  const config = join(dir, 'with-teacher.json');
  const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
  const withTeacherRun = join(dir, 'with-teacher');
  writeFileSync(config, JSON.stringify({
    trainer: { ...loopback, run: 'with-teacher', runDir: withTeacherRun, seed: 1, epochs: 1, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 16 },
    algo: { mode: 'disco', k: 16, headHidden: 16, ghostBatchSize: 4 },
    teacher: { checkpoint: join(dir, 'teacher') },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2, dataset: data },
    local: { progress: 'none' },
    drain: { graceMs: 5000 },
  }));
  const trained = await disco('train', '--config', config);
  assert.equal(trained.code, 0, trained.stdout + trained.stderr);
  assert.match(trained.stdout, /teacher resnet18-cifar ×0\.0625 \(head \d+→\d+, /);
  assert.match(trained.stdout, /teacher settings from .*teacher\.json/);
  const summary = JSON.parse(readFileSync(join(withTeacherRun, 'summary.json'), 'utf8')) as { state: string };
  assert.equal(summary.state, 'DONE');
});

test('bad inputs fail with the path named: a corrupt checkpoint, run directories with no valid checkpoint, a folder with nothing to evaluate (exit 1)', async () => {
  const corrupt = join(dir, 'corrupt.safetensors');
  const bytes = readFileSync(checkpoint(2));
  bytes[bytes.length - 5] ^= 0x10;
  writeFileSync(corrupt, bytes);
  const brokenRun = join(dir, 'broken-run');
  mkdirSync(join(brokenRun, 'checkpoints'), { recursive: true });
  writeFileSync(join(brokenRun, 'checkpoints', 'step-0000000007.safetensors'), bytes);
  const emptyRun = join(dir, 'empty-run');
  mkdirSync(join(emptyRun, 'checkpoints'), { recursive: true });
  const plain = join(dir, 'plain');
  mkdirSync(plain);
  const cases: [string, RegExp][] = [
    [corrupt, /^disco eval: checkpoint .*corrupt\.safetensors: checksum mismatch .*the file is corrupt$/m],
    [brokenRun, /^disco eval: run directory .*broken-run: no checkpoint in .*checkpoints verifies \(checkpoint .*step-0000000007\.safetensors: checksum mismatch.*\) and no final export/m],
    [emptyRun, /^disco eval: run directory .*empty-run: no checkpoint \(.*empty-run\/checkpoints holds no step-\*\.safetensors\) and no final export \(run state unknown/m],
    [plain, /^disco eval: .*plain: is a directory but not a run directory/m],
  ];
  const results = await Promise.all(cases.map(([path]) => evaluate('--model', path)));
  results.forEach((r, i) => {
    assert.equal(r.code, 1, `${cases[i][0]}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1]);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
  });
});

test('flags contradicting the weights are usage errors (exit 2); --random-init still evaluates an untrained backbone', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', checkpoint(2), '--arch', 'resnet50'], /--arch resnet50 contradicts .*step-0000000002\.safetensors: the checkpoint's config \(trainer\.model, trainer\.width\) says resnet18-cifar/],
    [['--model', runDir, '--width', '0.5'], /--width 0\.5 contradicts .*student\.safetensors: the file's metadata says width 0\.0625/],
  ];
  const results = await Promise.all(cases.map(([args]) => evaluate(...args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i][0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1]);
  });
  const init = json(await evaluate('--random-init', '0', '--arch', 'resnet18-cifar', '--width', '0.0625'));
  assert.equal(init.source.kind, 'random-init');
});

test('the reader: the last checkpoint student is the export bit for bit; the key encoder loads with its head; no tensors leak', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const student = await readCheckpointBackbone(checkpoint(2));
  const exported = importCheckpoint(join(runDir, 'export', 'student.safetensors'), { arch: 'resnet18-cifar', width: 0.0625, target: 'backbone' }).module;
  const got = await moduleTensors(student.module);
  const want = await moduleTensors(exported);
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, t] of want) assert.deepEqual(got.get(name)!.data, t.data, name);
  assert.deepEqual(student.architecture, { model: 'resnet18-cifar', width: 0.0625, headHidden: 16, embedDim: 8 });
  assert.deepEqual(student.position, { epoch: 1, step: 0, globalStep: 2 });
  const key = await readCheckpointEncoder(checkpoint(2), 'key');
  assert.equal(key.module.embeddingDim, 8);
  assert.notDeepEqual((await moduleTensors(key.module)).get('backbone.conv1.weight')!.data, got.get('conv1.weight')!.data, 'the key encoder is its own (momentum) copy');
  for (const m of [student.module, exported, key.module]) m.dispose();
  assert.equal(tf.memory().numTensors, before);
});
