/** `disco train` config: defaults → local layer → demo preset (the demo only) → teacher.json → file → env → flags; roles get a clean env. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatExplainedConfig } from '@disco/config';
import { childEnv, resolveTrainConfig } from '../src/commands/train.ts';
import { describeRun, explainTrainConfig } from '../src/train_config.ts';
import { demoPreset, findBundledTeacher } from '../src/supervisor/demo_preset.ts';

const dir = mkdtempSync(join(tmpdir(), 'disco-train-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('no arguments: the demo preset on loopback with free ports', () => {
  const c = resolveTrainConfig([], {});
  assert.equal(c.trainer.run, 'demo');
  assert.equal(c.trainer.model, 'resnet18-cifar');
  assert.ok(c.trainer.size <= 32);
  for (const role of [c.trainer, c.teacher, c.augment]) {
    assert.equal(role.host, '127.0.0.1');
    assert.equal(role.port, 0);
    assert.equal(role.metricsPort, 0);
  }
  assert.equal(c.algo.embedDim, c.teacher.embedDim);
  assert.equal(c.local.augmenters, 1);
});

test('layers: preset < file < env < flags', () => {
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ trainer: { epochs: 7, batchSize: 16, run: 'file' }, local: { teachers: 2 } }));
  const c = resolveTrainConfig(['--config', file, '--trainer.epochs', '9'], { DISCO_TRAINER_EPOCHS: '8', DISCO_TRAINER_RUN: 'env' });
  assert.equal(c.trainer.epochs, 9, 'flag beats env');
  assert.equal(c.trainer.run, 'env', 'env beats file');
  assert.equal(c.trainer.batchSize, 16, 'file beats preset');
  assert.equal(c.trainer.size, 24, 'preset beats schema default (224)');
  assert.equal(c.local.teachers, 2);
  assert.equal(resolveTrainConfig([], { DISCO_CONFIG: file }).trainer.run, 'file', 'DISCO_CONFIG names the file');
  assert.throws(() => resolveTrainConfig(['--trainer.epochs', '0'], {}), (e: Error) => e instanceof ConfigError && /trainer\.epochs/.test(e.message));
  assert.throws(() => resolveTrainConfig(['--config', join(dir, 'missing.json')], {}), (e: Error) => e instanceof ConfigError && /missing\.json/.test(e.message));
});

test('the roles get the environment without the config variables already folded into their file', () => {
  const env = childEnv({ PATH: '/bin', DISCO_BACKEND: 'wasm', DISCO_TRAINER_EPOCHS: '3', DISCO_CONFIG: 'x.json', DISCO_LOCAL_VERBOSE: '1' });
  assert.deepEqual(env, { PATH: '/bin', DISCO_BACKEND: 'wasm' });
});

test('the bundled teacher is used when the repository has one; otherwise a seeded random one', () => {
  const empty = join(dir, 'none');
  mkdirSync(empty);
  assert.equal(findBundledTeacher(empty), undefined);
  assert.equal((demoPreset(null).teacher as { checkpoint: string }).checkpoint, '');
  const bundled = join(dir, 'bundled');
  mkdirSync(bundled);
  writeFileSync(join(bundled, 'teacher.pth'), '');
  writeFileSync(join(bundled, 'teacher.json'), JSON.stringify({ arch: 'resnet18-cifar', width: 16 }));
  const found = findBundledTeacher(bundled)!;
  assert.equal(found.checkpoint, join(bundled, 'teacher.pth'));
  assert.equal(found.width, 0.25, 'the sidecar gives the base width in channels: 16 = 64 × 0.25');
  assert.equal((demoPreset(found).teacher as { checkpoint: string }).checkpoint, found.checkpoint);
});

test('a run given a dataset or a model starts from the documented defaults, not the demo preset', () => {
  for (const args of [['--augment.dataset', dir], ['--trainer.model', 'resnet18']]) {
    const r = explainTrainConfig(args, {}, { bundledTeacher: null });
    assert.equal(r.preset, 'none');
    const c = r.config;
    assert.deepEqual([c.trainer.run, c.trainer.epochs, c.trainer.width, c.trainer.batchSize, c.trainer.size], ['disco', 200, 1, 256, 224]);
    assert.deepEqual([c.algo.k, c.algo.headHidden, c.algo.baseLr, c.algo.ghostBatchSize, c.algo.lambda], [65536, 2048, 0.03, 32, 32]);
    assert.deepEqual([c.teacher.model, c.teacher.width], ['resnet18', 1]);
    assert.equal(c.trainer.port, 0, 'disco train still runs every role on loopback with free ports');
    assert.equal(r.origins.get('algo.k'), 'default');
    assert.equal(r.origins.get('trainer.port'), 'disco train');
  }
  const demo = explainTrainConfig(['--trainer.epochs', '5'], {}, { bundledTeacher: null });
  assert.equal(demo.preset, 'demo', 'no dataset and no model: the demo, scaled by the flags');
  assert.equal(demo.config.trainer.epochs, 5);
  assert.equal(demo.origins.get('algo.k'), 'preset demo');
  assert.equal(explainTrainConfig(['--preset', 'none'], {}).config.algo.k, 65536);
  assert.equal(explainTrainConfig(['--preset', 'demo', '--augment.dataset', dir], {}).config.algo.k, 2048);
  assert.throws(() => explainTrainConfig(['--preset', 'tiny'], {}), /--preset 'tiny' is not one of demo, none/);
});

test('--print-config shows every value with its source; the start-up lines show what decides the run', () => {
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({ algo: { lambda: 8 } }));
  const r = explainTrainConfig(['--config', file, '--print-config', '--trainer.model', 'resnet18'], { DISCO_ALGO_K: '4096' });
  assert.ok(r.printConfig);
  const text = formatExplainedConfig(r);
  assert.match(text, /^algo\.k = 4096 {2}\(env DISCO_ALGO_K\)$/m);
  assert.match(text, new RegExp(`^algo\\.lambda = 8  \\(file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)$`, 'm'));
  assert.match(text, /^trainer\.model = "resnet18" {2}\(flag --trainer\.model\)$/m);
  assert.match(text, /^trainer\.epochs = 200 {2}\(default\)$/m);
  const lines = describeRun(r, 1).join('\n');
  for (const want of [/student resnet18 ×1 \(head 2048→128\)/, /mode disco/, /teacher resnet18 ×1/, /200 epochs of batch 256 at 224 px/, /K 4096/, /λ 8/, /lr 0\.0300/, /ghost batch 32/, /preset none/]) {
    assert.match(lines, want);
  }
});

test('a teacher folder written by import-teacher plugs in: its architecture, width and head are taken from teacher.json; a contradicting flag is refused', async () => {
  const teacherDir = join(dir, 'imported');
  mkdirSync(teacherDir);
  writeFileSync(join(teacherDir, 'teacher.safetensors'), '');
  const manifest = { arch: 'resnet50', width: 0.5, featureDim: 1024, headHidden: 1024, embedDim: 64, weights: 'teacher.safetensors', importedFrom: 'x.pth', source: 'moco-v2', dropped: [], checkpointMetadata: {} };
  writeFileSync(join(teacherDir, 'teacher.json'), JSON.stringify(manifest));
  for (const given of [teacherDir, join(teacherDir, 'teacher.json')]) {
    const r = explainTrainConfig(['--augment.dataset', dir, '--teacher.checkpoint', given], {});
    assert.deepEqual([r.config.teacher.model, r.config.teacher.width, r.config.teacher.headHidden, r.config.teacher.embedDim], ['resnet50', 0.5, 1024, 64]);
    assert.equal(r.config.algo.embedDim, 64, "the student head outputs the teacher's embedding size");
    assert.match(r.origins.get('teacher.width')!, /^teacher .*teacher\.json$/);
    assert.equal(r.teacherManifest, join(teacherDir, 'teacher.json'));
  }
  assert.throws(
    () => explainTrainConfig(['--augment.dataset', dir, '--teacher.checkpoint', teacherDir, '--teacher.width', '0.25'], {}),
    (e: Error) => e instanceof ConfigError && /^teacher\.width 0\.25 \(flag --teacher\.width\) contradicts 0\.5 in .*teacher\.json/.test(e.message) && !e.message.includes('\n'),
  );
  assert.equal(explainTrainConfig(['--augment.dataset', dir, '--teacher.checkpoint', teacherDir, '--teacher.width', '0.5'], {}).config.teacher.width, 0.5, 'agreeing is fine');
  const empty = join(dir, 'not-a-teacher');
  mkdirSync(empty);
  assert.throws(() => explainTrainConfig(['--augment.dataset', dir, '--teacher.checkpoint', empty], {}), /folder without teacher\.json/);
});
