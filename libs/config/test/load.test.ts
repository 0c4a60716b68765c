/** Config flows one way: defaults → file → env → flags; validated, frozen, errors name the source. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, DEFAULT_CONFIG, configFields, describeConfig, discoConfigSchema, loadConfig } from '@disco/config';

const dir = mkdtempSync(join(tmpdir(), 'disco-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, body: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};

test('defaults are complete and frozen', () => {
  assert.equal(DEFAULT_CONFIG.teacher.port, 50053);
  assert.equal(DEFAULT_CONFIG.augment.imagesInFlight, 3);
  assert.equal(DEFAULT_CONFIG.dataplane.maxMessageBytes, 4 * 1024 * 1024);
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.dataplane));
  assert.deepEqual(loadConfig(discoConfigSchema, { env: {} }), DEFAULT_CONFIG);
});

test('each layer overrides the one before: file < env < flags', () => {
  const path = file('a.json', { teacher: { port: 1, seed: 1, model: 'resnet50' }, augment: { teachers: ['f:1'] } });
  const config = loadConfig(discoConfigSchema, {
    argv: ['--config', path, '--teacher.port=3', '--augment.teachers', 'x:1,y:2'],
    env: { DISCO_TEACHER_PORT: '2', DISCO_TEACHER_SEED: '2', DISCO_TEACHER_BN_MODE: 'batch', DISCO_BACKEND: 'cpu' },
  });
  assert.equal(config.teacher.port, 3, 'flag beats env beats file');
  assert.equal(config.teacher.seed, 2, 'env beats file');
  assert.equal(config.teacher.model, 'resnet50', 'file beats defaults');
  assert.equal(config.teacher.bnMode, 'batch');
  assert.deepEqual(config.augment.teachers, ['x:1', 'y:2']);
  assert.equal(config.teacher.headHidden, 2048, 'untouched defaults stay');
  assert.ok(Object.isFrozen(config.augment.teachers));
  assert.throws(() => {
    (config.teacher as { port: number }).port = 9;
  }, TypeError);
  // DISCO_CONFIG names the file too.
  assert.equal(loadConfig(discoConfigSchema, { env: { DISCO_CONFIG: path } }).teacher.port, 1);
});

test('bad values fail fast, naming the key, its flag and env var', () => {
  const cases: [Parameters<typeof loadConfig>[1], RegExp][] = [
    [{ argv: ['--teacher.port', '70000'], env: {} }, /teacher\.port: .*flag --teacher\.port, env DISCO_TEACHER_PORT/],
    [{ argv: ['--teacher.bn-mode', 'train'], env: {} }, /teacher\.bnMode/],
    [{ argv: ['--teacher.port', 'abc'], env: {} }, /flag --teacher\.port: 'abc' is not a number/],
    [{ env: { DISCO_AUGMENT_IMAGES_IN_FLIGHT: 'many' } }, /env DISCO_AUGMENT_IMAGES_IN_FLIGHT: 'many' is not a number/],
    [{ argv: ['--nope', '1'], env: {} }, /unknown flag --nope/],
    [{ argv: ['--teacher.port'], env: {} }, /flag --teacher\.port needs a value/],
    [{ argv: ['stray'], env: {} }, /argument 'stray'/],
    [{ file: file('bad.json', '{nope'), env: {} }, /config file .*bad\.json/],
    [{ file: file('extra.json', { teacher: { colour: 'red' } }), env: {} }, /teacher: .*colour/i],
    [{ argv: ['--dataplane.chunk-bytes', String(8 << 20)], env: {} }, /dataplane\.chunkBytes: chunkBytes must leave/],
  ];
  for (const [sources, message] of cases) {
    assert.throws(() => loadConfig(discoConfigSchema, sources), (e: Error) => e instanceof ConfigError && message.test(e.message), message.source);
  }
});

test('flags and env names are derived from the schema; extensions compose', () => {
  const fields = configFields(discoConfigSchema);
  const f = fields.find((x) => x.path.join('.') === 'augment.imagesInFlight')!;
  assert.equal(f.flag, 'augment.images-in-flight');
  assert.equal(f.env, 'DISCO_AUGMENT_IMAGES_IN_FLIGHT');
  assert.match(describeConfig(discoConfigSchema), /--teacher\.bn-mode <string>  env DISCO_TEACHER_BN_MODE \(default "eval"\) one of eval\|batch/);
  // The trainer adds its own section the same way.
  const extended = discoConfigSchema.extend({ trainer: z.strictObject({ epochs: z.number().int().min(1).default(200), verbose: z.boolean().default(false) }).prefault({}) });
  const config = loadConfig(extended, { argv: ['--trainer.epochs', '3', '--trainer.verbose'], env: {} });
  assert.equal(config.trainer.epochs, 3);
  assert.equal(config.trainer.verbose, true);
  assert.equal(config.teacher.port, 50053);
});
