/**
 * The role log: JSON records with the fields log shippers filter by, or the readable line, and
 * the level threshold; bad DISCO_LOG_* values are refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoleLog, logFormatFromEnv, logLevelFromEnv, prettyLine } from '../src/index.ts';

function capture(options: Omit<Parameters<typeof createRoleLog>[0], 'write'>) {
  const lines: string[] = [];
  const log = createRoleLog({ ...options, write: (l) => lines.push(l) });
  return { log, lines };
}

test('JSON: level, ISO time, role, run, rank, msg; batch and err where given', () => {
  const { log, lines } = capture({ role: 'trainer', run: 'r1', rank: 1, format: 'json', level: 'info' });
  log('checkpoint written', { step: 7 });
  log('batch r1/0/3 failed', { level: 'warn', batch: 'r1/0/3', err: new RangeError('boom') });
  log('not shown', { level: 'debug' });
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')), 'one record per line');
  const [info, warn] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(info.level, 'info');
  assert.match(String(info.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual([info.role, info.run, info.rank, info.msg, info.step], ['trainer', 'r1', 1, 'checkpoint written', 7]);
  assert.equal(warn.level, 'warn');
  assert.equal(warn.batch, 'r1/0/3');
  const err = warn.err as Record<string, string>;
  assert.equal(err.type, 'RangeError');
  assert.equal(err.message, 'boom');
  assert.match(err.stack, /RangeError: boom/);
});

test('a thrown non-Error is still a record with err.message', () => {
  const { log, lines } = capture({ role: 'augment', worker: 'w1', format: 'json' });
  log('odd failure', { level: 'error', err: 'plain string' });
  const rec = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(rec.worker, 'w1');
  assert.deepEqual(rec.err, { type: 'string', message: 'plain string' });
});

test('pretty: the readable line, level marked when not info, error message appended once', () => {
  const { log, lines } = capture({ role: 'augment', format: 'pretty' });
  log('lease stream ended by the trainer; reconnecting in 500 ms');
  log('batch b failed, lease given back: disk gone', { level: 'warn', err: new Error('disk gone') });
  log('teacher call failed', { level: 'error', err: new Error('UNAVAILABLE') });
  assert.deepEqual(lines, [
    'augment: lease stream ended by the trainer; reconnecting in 500 ms\n',
    'augment: WARN batch b failed, lease given back: disk gone\n',
    'augment: ERROR teacher call failed: UNAVAILABLE\n',
  ]);
  assert.equal(prettyLine({ role: 'trainer', rank: 2, level: 'info', msg: 'hi' }), 'trainer[2]: hi');
});

test('DISCO_LOG_LEVEL and DISCO_LOG_FORMAT: defaults, and bad values named', () => {
  assert.equal(logLevelFromEnv({}), 'info');
  assert.equal(logLevelFromEnv({ DISCO_LOG_LEVEL: 'warn' }), 'warn');
  assert.throws(() => logLevelFromEnv({ DISCO_LOG_LEVEL: 'loud' }), /DISCO_LOG_LEVEL='loud' is not one of debug, info, warn, error/);
  assert.equal(logFormatFromEnv({}), undefined);
  assert.equal(logFormatFromEnv({ DISCO_LOG_FORMAT: 'json' }), 'json');
  assert.throws(() => logFormatFromEnv({ DISCO_LOG_FORMAT: 'xml' }), /DISCO_LOG_FORMAT='xml' is neither json nor pretty/);
  const { log, lines } = capture({ role: 'teacher', format: 'json', level: 'warn' });
  log('quiet');
  log('loud', { level: 'error' });
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['loud']);
});
