/**
 * How flags name config fields: the kebab-case flag or the key path as a JSON file writes it,
 * both reaching the same field; env names stay as they were; an unknown flag is an error that
 * suggests the flag most likely meant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, configFields, discoConfigSchema, flagIndex, loadConfig, suggestFlags } from '@disco/config';

// Shaped like the trainer's section: camelCase keys whose flags are kebab case.
const schema = discoConfigSchema.extend({
  trainer: z
    .strictObject({
      runDir: z.string().default('').describe('run directory'),
      epochs: z.number().int().min(1).default(200),
      exitWhenDone: z.boolean().default(true),
    })
    .prefault({}),
});
const fields = configFields(schema);

function unknownFlagMessage(argv: string[]): string {
  try {
    loadConfig(schema, { argv, env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

test('--trainer.runDir and --trainer.run-dir set the same field, with a value or with =', () => {
  for (const argv of [
    ['--trainer.runDir', 'runs/x'],
    ['--trainer.run-dir', 'runs/x'],
    ['--trainer.runDir=runs/x'],
    ['--trainer.run-dir=runs/x'],
  ]) {
    assert.equal(loadConfig(schema, { argv, env: {} }).trainer.runDir, 'runs/x', argv.join(' '));
  }
  const config = loadConfig(schema, { argv: ['--augment.imagesInFlight', '7', '--tls.caFile', 'ca.pem', '--trainer.exitWhenDone', 'false'], env: {} });
  assert.equal(config.augment.imagesInFlight, 7);
  assert.equal(config.tls.caFile, 'ca.pem');
  assert.equal(config.trainer.exitWhenDone, false);
  // A bare boolean flag in either spelling means true.
  assert.equal(loadConfig(schema, { argv: ['--trainer.exitWhenDone'], env: { DISCO_TRAINER_EXIT_WHEN_DONE: 'false' } }).trainer.exitWhenDone, true);
});

test('env names are unchanged, and a flag in either spelling beats the env var', () => {
  assert.equal(loadConfig(schema, { env: { DISCO_TRAINER_RUN_DIR: 'from-env' } }).trainer.runDir, 'from-env');
  assert.equal(loadConfig(schema, { argv: ['--trainer.runDir', 'from-flag'], env: { DISCO_TRAINER_RUN_DIR: 'from-env' } }).trainer.runDir, 'from-flag');
  assert.equal(fields.find((f) => f.path.join('.') === 'trainer.runDir')!.env, 'DISCO_TRAINER_RUN_DIR');
});

test('a bad value reached through the camelCase spelling is reported under the flag', () => {
  assert.throws(() => loadConfig(schema, { argv: ['--trainer.epochs', '0'], env: {} }), /trainer\.epochs: .*flag --trainer\.epochs, env DISCO_TRAINER_EPOCHS/);
  assert.throws(() => loadConfig(schema, { argv: ['--augment.imagesInFlight', 'many'], env: {} }), /flag --augment\.images-in-flight: 'many' is not a number/);
});

test('an unknown flag is an error that suggests the flag most likely meant', () => {
  const cases: [string, RegExp][] = [
    ['--trainer.rundir', /unknown flag --trainer\.rundir; did you mean --trainer\.run-dir\?/],
    ['--trainer.run_dir', /did you mean --trainer\.run-dir\?/],
    ['--Trainer.RunDir', /did you mean --trainer\.run-dir\?/],
    ['--trainer.epoch', /unknown flag --trainer\.epoch; did you mean --trainer\.epochs\?/],
    ['--augment.images-in-fligth', /did you mean --augment\.images-in-flight\?/],
    ['--epochs', /unknown flag --epochs; did you mean --trainer\.epochs\?/],
    ['--run-dir', /did you mean --trainer\.run-dir\?/],
    ['--port', /did you mean one of --augment\.port, --teacher\.port\?/],
  ];
  for (const [flag, message] of cases) assert.match(unknownFlagMessage([flag, '1']), message, flag);
  const far = unknownFlagMessage(['--completely-unrelated', '1']);
  assert.match(far, /unknown flag --completely-unrelated \(see --help for the list\)/);
  assert.doesNotMatch(far, /did you mean/);
});

test('flagIndex answers to both spellings; suggestFlags is empty for nothing close', () => {
  const index = flagIndex(fields);
  assert.equal(index.get('trainer.run-dir'), index.get('trainer.runDir'));
  assert.equal(index.get('dataplane.max-message-bytes')!.path.join('.'), 'dataplane.maxMessageBytes');
  assert.equal(index.get('trainer.rundir'), undefined, 'not any spelling: only the two');
  assert.deepEqual(suggestFlags(fields, 'zzzzzzzzzzzzzzzz'), []);
});
