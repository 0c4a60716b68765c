/**
 * `disco train` as a user runs it (a real process spawning real role processes): a SIGKILLed
 * augment worker is restarted and the run carries on; Ctrl-C stops every process cleanly with a
 * checkpoint and the same command resumes to the end; a supervisor killed with SIGKILL leaves
 * no orphans (the roles notice and drain themselves).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecord } from '@disco/trainer-service';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'disco-train-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
const TOTAL = 16; // 64 images / 8 × 2 epochs

function configFile(name: string): { file: string; runDir: string } {
  const runDir = join(dir, name);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    trainer: { ...loopback, run: name, runDir, seed: 1, epochs: 2, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 64, checkpointEvery: 2 },
    algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 4 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3, checkpoint: '' },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    dataplane: { window: 4, retryBackoffMs: 200 },
    drain: { graceMs: 5000 },
  }));
  return { file, runDir };
}

function train(file: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', '--config', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000, context = () => ''): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Pids {
  supervisor: number;
  roles: Record<string, { pid: number; role: string }>;
}
const readPids = (runDir: string): Pids | undefined => (existsSync(join(runDir, 'pids.json')) ? (JSON.parse(readFileSync(join(runDir, 'pids.json'), 'utf8')) as Pids) : undefined);

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('restarts a SIGKILLed augment worker; Ctrl-C stops every process with a checkpoint; the same command resumes to the end', async () => {
  const { file, runDir } = configFile('sup');
  const run = train(file);
  const steps = () => readRecord(join(runDir, 'record.jsonl')).length;
  const pids = await waitFor('pids.json with every role', () => (Object.keys(readPids(runDir)?.roles ?? {}).length === 3 ? readPids(runDir) : undefined), 120_000, run.output);
  await waitFor('2 trained steps', () => steps() >= 2, 120_000, run.output);
  const victim = pids.roles['augment-0'].pid;
  process.kill(victim, 'SIGKILL');
  // The only worker is gone: the run can only go on if the supervisor restarts it.
  await waitFor('a restarted augment worker', () => (readPids(runDir)?.roles['augment-0'].pid ?? victim) !== victim, 60_000, run.output);
  const at = steps();
  await waitFor('training to go on', () => steps() >= at + 2 || undefined, 120_000, run.output);
  assert.ok(steps() < TOTAL, 'still mid-run');

  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.output());
  const last = readPids(runDir)!;
  for (const [name, p] of Object.entries(last.roles)) assert.ok(!alive(p.pid), `${name} (${p.pid}) exited with the supervisor`);
  assert.match(run.output(), /restarting it/);
  assert.match(run.output(), /stopped .*checkpoint .*step-\d+\.safetensors.*Run the same command to resume/s);
  assert.match(run.output(), /epoch 1\/2 step \d+\/8 .* img\/s/, 'progress lines (not a TTY)');

  const again = train(file);
  assert.equal(await again.exited, 0, again.output());
  assert.deepEqual(readRecord(join(runDir, 'record.jsonl')).map((r) => r.batch), Array.from({ length: TOTAL }, (_, i) => `sup/${Math.floor(i / 8)}/${i % 8}`));
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.ok(summary.state === 'DONE' && summary.thisProcess.steps < TOTAL, `resumed (trained ${summary.thisProcess.steps} steps in the second run)`);
  assert.match(again.output(), /done in .*images\/s, .*% of step time waiting for data/);
  assert.ok(existsSync(join(runDir, 'export', 'student.safetensors')));
  for (const p of Object.values(readPids(runDir)!.roles)) assert.ok(!alive(p.pid), 'every role exited at the end');
  // Without DISCO_LOG_FORMAT the roles' logs are readable lines (JSON is for pods; see json_logs.test.ts).
  const trainerLog = readFileSync(join(runDir, 'logs', 'trainer.log'), 'utf8').split('\n').filter(Boolean);
  assert.ok(trainerLog.some((l) => /^trainer: checkpoint /.test(l)) && !trainerLog.some((l) => l.startsWith('{')), trainerLog.join('\n'));
});

test('a supervisor killed with SIGKILL leaves no orphans', async () => {
  const { file, runDir } = configFile('orphans');
  const run = train(file);
  const pids = await waitFor('pids.json with every role', () => (Object.keys(readPids(runDir)?.roles ?? {}).length === 3 ? readPids(runDir) : undefined), 120_000, run.output);
  run.child.kill('SIGKILL');
  await run.exited;
  const roles = Object.values(pids.roles).map((p) => p.pid);
  await waitFor('every role to exit on its own', () => roles.every((pid) => !alive(pid)), 60_000, () => roles.filter(alive).join(', '));
});
