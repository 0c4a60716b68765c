/**
 * `disco train` failing the way users make it fail, as real processes: a dataset path that does
 * not exist is refused in one line before anything starts; a teacher checkpoint that does not fit
 * stops the run within seconds with the teacher's one-line reason (no stack trace) and no role
 * left running; SIGTERM and SIGHUP stop a run like Ctrl-C, every role with it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const BUNDLED = fileURLToPath(new URL('../assets/teacher/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'disco-train-fail-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of rolesOf(dir)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };

function configFile(name: string, extra: Record<string, Record<string, unknown>> = {}): { file: string; runDir: string } {
  const runDir = join(dir, name);
  const file = join(dir, `${name}.json`);
  const base: Record<string, Record<string, unknown>> = {
    trainer: { ...loopback, run: name, runDir, seed: 1, epochs: 50, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 64, checkpointEvery: 2 },
    algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 4 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3, checkpoint: '' },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    dataplane: { window: 4, retryBackoffMs: 200 },
    drain: { graceMs: 5000 },
  };
  for (const [k, v] of Object.entries(extra)) base[k] = { ...base[k], ...v };
  writeFileSync(file, JSON.stringify(base));
  return { file, runDir };
}

function train(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null>; started: number } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited, started: Date.now() };
}

/** Pids of live role processes whose command line names a file under `root` (their serve config). */
function rolesOf(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmd.includes('serve') && cmd.includes(root) && !/^\d+ \(.*\) Z/.test(state)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number, context = () => ''): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a dataset that does not exist is refused in one line before any role starts', async () => {
  const { file, runDir } = configFile('nodata');
  const run = train(['--config', file, '--augment.dataset', join(dir, 'nonexistent')]);
  assert.equal(await run.exited, 2, run.output());
  assert.match(run.output(), /^disco train: augment\.dataset .*nonexistent does not exist \(flag --augment\.dataset\): give an ImageFolder/m);
  assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(join(runDir, 'serve-config.json')), 'nothing was started');
});

test('a teacher checkpoint that does not fit ends the run in seconds with its reason, and no role is left', async () => {
  const pth = readdirSync(BUNDLED).find((f) => f.endsWith('.pth'));
  assert.ok(pth, 'the bundled teacher');
  const { file, runDir } = configFile('badteacher', { teacher: { checkpoint: join(BUNDLED, pth!), width: 0.5 } });
  const run = train(['--config', file]);
  const code = await run.exited;
  assert.equal(code, 1, run.output());
  assert.ok(Date.now() - run.started < 90_000, `took ${Date.now() - run.started} ms`);
  assert.match(run.output(), /FAILED: teacher-0 did not start: CheckpointKeyError: .*shapes that differ \(\d+\)/);
  assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
  await waitFor('every role to be gone', () => rolesOf(runDir).length === 0, 15_000, () => `alive: ${rolesOf(runDir)}`);
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} stops a run cleanly: a checkpoint, then every role exits`, async () => {
    const { file, runDir } = configFile(signal.toLowerCase());
    const run = train(['--config', file]);
    await waitFor('a trained step', () => existsSync(join(runDir, 'record.jsonl')) && readFileSync(join(runDir, 'record.jsonl'), 'utf8').length > 0, 120_000, run.output);
    run.child.kill(signal);
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), new RegExp(`${signal}: stopping`));
    assert.match(run.output(), /stopped .*checkpoint .*Run the same command to resume/s);
    await waitFor('every role to be gone', () => rolesOf(runDir).length === 0, 15_000, () => `alive: ${rolesOf(runDir)}`);
  });
}

test('an ImageFolder with a symbolic-link loop, a dangling link and stray files trains; the skipped entries are logged', async () => {
  const { mkdirSync, symlinkSync } = await import('node:fs');
  const sharp = (await import('sharp')).default;
  const root = join(dir, 'messy-images');
  for (const cls of ['cats', 'dogs']) {
    mkdirSync(join(root, cls, 'more'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 30 * i, g: cls === 'cats' ? 200 : 20, b: 90 } } }).png().toBuffer();
      writeFileSync(join(root, cls, i < 4 ? '' : 'more', `${i}.png`), png);
    }
  }
  symlinkSync('..', join(root, 'cats', 'more', 'loop')); // the case that crashed the trainer's start with ELOOP
  symlinkSync(join(root, 'missing.png'), join(root, 'dogs', 'dangling.png'));
  writeFileSync(join(root, 'dogs', 'Thumbs.db'), 'junk');
  const { file, runDir } = configFile('messy', { trainer: { epochs: 1, limitImages: 16 }, algo: { mode: 'mocov2', k: 16 }, augment: { dataset: root } });
  const run = train(['--config', file, '--local.teachers', '0']);
  assert.equal(await run.exited, 0, run.output());
  const logs = ['trainer', 'augment-0'].map((n) => readFileSync(join(runDir, 'logs', `${n}.log`), 'utf8')).join('\n');
  assert.match(logs, /dataset: image folder .*\(16 images, 2 classes; skipped 1 symlink-loop, 1 broken-link, 1 not-an-image\)/);
});
