/**
 * Structured logs as a log shipper reads them: `disco train` with DISCO_LOG_FORMAT=json runs the
 * trainer, a teacher and an augment worker as their own processes (exactly `disco serve <role>`,
 * what a pod runs); every line each of them writes parses as JSON with level, time, role and
 * msg, the trainer's with run and rank, the worker's with its id; the listening lines on stdout
 * are log records too. (Without DISCO_LOG_FORMAT, `disco train` keeps the roles' logs readable:
 * train_supervisor.test.ts checks that on its run.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'disco-json-logs-'));
const children = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function train(name: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; runDir: string }> {
  const runDir = join(dir, name);
  const config = join(dir, `${name}.json`);
  const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
  writeFileSync(config, JSON.stringify({
    trainer: { ...loopback, run: name, runDir, seed: 1, epochs: 1, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 32, checkpointEvery: 2, knnEvery: 0 },
    algo: { k: 32, headHidden: 32, embedDim: 16, ghostBatchSize: 4 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3, checkpoint: '' },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    local: { progress: 'lines' },
  }));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', '--config', config], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) => child.once('close', (code) => {
    clearTimeout(timer);
    resolve({ code, out, runDir });
  }));
}

function logLines(runDir: string): Map<string, string[]> {
  const logs = join(runDir, 'logs');
  return new Map(readdirSync(logs).map((f) => [f, readFileSync(join(logs, f), 'utf8').split('\n').filter((l) => l.trim())]));
}

test("DISCO_LOG_FORMAT=json: every line of every role is a JSON record with level, time, role, msg; the trainer's with run and rank", async () => {
  const { code, out, runDir } = await train('json', { DISCO_LOG_FORMAT: 'json' });
  assert.equal(code, 0, out);
  const logs = logLines(runDir);
  assert.deepEqual([...logs.keys()].sort(), ['augment-0.log', 'teacher-0.log', 'trainer.log']);
  const byRole = new Map<string, Record<string, unknown>[]>();
  for (const [file, lines] of logs) {
    for (const line of lines) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`${file}: not JSON: ${line}`);
      }
      assert.ok(['debug', 'info', 'warn', 'error'].includes(rec.level as string), `${file}: level ${rec.level}: ${line}`);
      assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT/, `${file}: time: ${line}`);
      assert.equal(typeof rec.msg, 'string', `${file}: msg: ${line}`);
      assert.equal(rec.role, file.replace(/(-\d+)?\.log$/, ''), `${file}: role: ${line}`);
      byRole.set(rec.role as string, [...(byRole.get(rec.role as string) ?? []), rec]);
    }
  }
  const trainer = (byRole.get('trainer') ?? []).filter((r) => !r.supervisor); // not the supervisor's start marker
  assert.ok(trainer.length >= 3, `trainer lines: ${JSON.stringify(trainer)}`);
  for (const rec of trainer) assert.deepEqual([rec.run, rec.rank], ['json', 0], JSON.stringify(rec));
  assert.ok(trainer.some((r) => /^checkpoint /.test(r.msg as string)), 'the trainer logs its checkpoints');
  assert.ok(trainer.some((r) => /^done: /.test(r.msg as string)), 'the trainer logs its end');
  assert.ok((byRole.get('teacher') ?? []).length >= 1, 'the teacher logs its engine');
  assert.doesNotMatch(out, /"level"/, "disco train's own terminal output stays readable");
});

test('`disco serve teacher` in a pod (stdout and stderr not terminals, no DISCO_LOG_FORMAT): the listening line and the log are JSON', async () => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', 'teacher', '--teacher.port', '0', '--teacher.metrics-port', '0', '--teacher.host', '127.0.0.1',
    '--teacher.model', 'resnet18-cifar', '--teacher.width', '0.0625', '--teacher.head-hidden', '32', '--teacher.embed-dim', '16', '--teacher.checkpoint', ''], { env: base, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 120_000;
  while (!stdout.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const listening = JSON.parse(stdout.split('\n')[0]) as Record<string, unknown>;
  assert.deepEqual([listening.event, listening.level, listening.role], ['listening', 'info', 'teacher'], stdout + stderr);
  assert.match(String(listening.msg), /^listening on port \d+/);
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.once('close', r));
  assert.equal(code, 0, stderr);
  const lines = stderr.split('\n').filter((l) => l.trim());
  assert.ok(lines.length >= 2, stderr);
  for (const line of lines) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.equal(rec.role, 'teacher', line);
  }
  assert.ok(lines.some((l) => /"msg":"SIGTERM: draining"/.test(l)), stderr);
});
