/** `disco train` config: defaults → demo preset → file → env → flags; roles get a clean env. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@disco/config';
import { childEnv, resolveTrainConfig } from '../src/commands/train.ts';
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
