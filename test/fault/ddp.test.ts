/**
 * Data-parallel trainer replicas as a user runs them (`disco train --trainer.world-size 2`: two
 * trainer processes in a c10d group, a teacher and an augment worker leasing from both), on the
 * native engine:
 * - undisturbed, each replica trains its shard of every planned batch exactly once, in order,
 *   and the two hold the same weights (they check it themselves every 2 steps);
 * - SIGKILL of rank 1, and then of rank 0, mid-epoch: the supervisor restarts the group from
 *   rank 0's last checkpoint, every shard is still trained exactly once (records cut back to the
 *   checkpoint), and the final weights, training state and losses equal the undisturbed run's
 *   bit for bit;
 * - refusals: replicas whose configs differ are refused at rendezvous naming the field; a rank
 *   that never arrives ends rank 0 within its timeout with a clear error; world size 2 on the
 *   wasm backend is refused with the reason, before anything is trained.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecord } from '@disco/trainer-service';
import { distributedSupport, nativeSkipNote } from '@disco/tensor';
import { CLI } from './roles.ts';
import { countBatches, plannedBatches, readRunOutput, weightDifferences } from './run_checks.ts';

const RUN = { name: 'ddp', epochs: 2, stepsPerEpoch: 6 };
const planned = plannedBatches(RUN.name, RUN.epochs, RUN.stepsPerEpoch);
const dir = mkdtempSync(join(tmpdir(), 'disco-ddp-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };

/** `disco train`'s config file (with its `local` section), or with `serve` the roles' own. */
function config(name: string, trainer: Record<string, unknown> = {}, serve = false): { file: string; runDir: string } {
  const runDir = join(dir, name);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    trainer: {
      ...loopback, run: RUN.name, runDir, seed: 5, epochs: RUN.epochs, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625,
      limitImages: 8 * RUN.stepsPerEpoch, checkpointEvery: 2, keepCheckpoints: 3, knnEvery: 0, worldSize: 2, collectiveTimeoutMs: 20_000, checkReplicasEvery: 2,
      ...trainer,
    },
    algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 2, baseLr: 0.3 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3, checkpoint: '' },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    dataplane: { window: 4, leaseMs: 20_000, retryBackoffMs: 200 },
    drain: { graceMs: 5000 },
    ...(serve ? {} : { local: { progress: 'lines', maxRestarts: 3 } }),
  }));
  return { file, runDir };
}

const cleanEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_'))),
  DISCO_BACKEND: 'native',
  DISCO_NATIVE_THREADS: '1',
  ...extra,
});

function disco(args: string[], env = cleanEnv()): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function waitFor(what: string, probe: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const recordLines = (path: string) => (existsSync(path) ? readRecord(path) : []);
const pids = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'pids.json'), 'utf8')) as { roles: Record<string, { pid: number }> };

/** Each replica's record: every planned batch once, in order (recovered lines count: the group trained them). */
function assertShardsExactlyOnce(runDir: string, output: string): void {
  for (const rec of [join(runDir, 'record.jsonl'), join(runDir, 'rank-1', 'record.jsonl')]) {
    const lines = readRecord(rec);
    const c = countBatches(lines, planned);
    assert.ok(c.exactlyOnceInOrder, `${rec}: lost ${c.lost}, duplicated ${c.duplicated}, foreign ${c.foreign}\n${output.slice(-2000)}`);
    assert.ok(lines.every((l) => l.images === 4), 'each replica trains 4 of the 8 images');
  }
}

const support = distributedSupport();

if (!support.available) {
  test('data-parallel training needs the native addon with c10d: refused with the reason', () => {
    assert.ok(nativeSkipNote() || /gloo|c10d/.test(support.reason), support.reason);
  });
} else {
  let reference: ReturnType<typeof readRunOutput> | undefined;

  test('2 replicas: every shard of every planned batch once, in order; the replicas agree', { timeout: 10 * 60_000 }, async () => {
    const { file, runDir } = config('reference');
    const run = disco(['train', '--config', file]);
    assert.equal(await run.exited, 0, run.output().slice(-3000));
    assertShardsExactlyOnce(runDir, run.output());
    assert.match(run.output(), /2 trainer replicas \(c10d rendezvous 127\.0\.0\.1:\d+\)/);
    const logs = readFileSync(join(runDir, 'logs', 'trainer-1.log'), 'utf8');
    assert.match(logs, /replica 1 of 2: starting at global step 0 with rank 0's state/);
    reference = readRunOutput(runDir);
    assert.equal(reference.summary.state, 'DONE');
  });

  for (const victim of ['trainer-1', 'trainer-0']) {
    test(`SIGKILL of ${victim} mid-epoch: the group restarts from rank 0's checkpoint; exactly once, and the same weights bit for bit`, { timeout: 10 * 60_000 }, async () => {
      assert.ok(reference, 'the undisturbed run came first');
      const { file, runDir } = config(`kill-${victim}`);
      const run = disco(['train', '--config', file]);
      const rank1Record = join(runDir, 'rank-1', 'record.jsonl');
      await waitFor('3 trained steps', () => recordLines(rank1Record).length >= 3, 300_000, run.output);
      process.kill(pids(runDir).roles[victim].pid, 'SIGKILL');
      assert.equal(await run.exited, 0, run.output().slice(-3000));
      assert.match(run.output(), new RegExp(`${victim} exited \\(SIGKILL.*restarting the 2 trainer replicas from rank 0's last checkpoint`));
      assertShardsExactlyOnce(runDir, run.output());
      const disturbed = readRunOutput(runDir);
      // The killed run's rank-0 record holds the losses of steps replayed after the restart: compare everything.
      assert.deepEqual(weightDifferences(disturbed, reference!), []);
    });
  }

  async function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }

  const serveTrainer = (file: string, rank: number, rendezvous: string, extra: string[] = [], env = cleanEnv()) =>
    disco(['serve', 'trainer', '--config', file, '--trainer.rank', String(rank), '--trainer.rendezvous', rendezvous, ...extra], env);

  test('replicas whose configs differ are refused at rendezvous, naming the field and both values', { timeout: 120_000 }, async () => {
    const { file } = config('mismatch', { collectiveTimeoutMs: 15_000 }, true);
    const rendezvous = `127.0.0.1:${await freePort()}`;
    const [a, b] = [serveTrainer(file, 0, rendezvous), serveTrainer(file, 1, rendezvous, ['--trainer.seed', '6', '--trainer.run-dir', join(dir, 'mismatch-1')])];
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    for (const [code, out] of [[ca, a.output()], [cb, b.output()]] as const) {
      assert.notEqual(code, 0);
      assert.match(out, /the trainer replicas' configs differ: rank 1's seed is 6, rank 0's 5/);
    }
  });

  test('a rank that never arrives: rank 0 stops at its timeout with a clear error, before training', { timeout: 120_000 }, async () => {
    const { file, runDir } = config('alone', { collectiveTimeoutMs: 4000 }, true);
    const t0 = Date.now();
    const a = serveTrainer(file, 0, `127.0.0.1:${await freePort()}`);
    assert.notEqual(await a.exited, 0);
    assert.match(a.output(), /rendezvous of 2 trainer replicas at 127\.0\.0\.1:\d+ \(rank 0\) failed within 4000 ms/);
    assert.ok(Date.now() - t0 < 60_000, `took ${Date.now() - t0} ms`);
    assert.equal(recordLines(join(runDir, 'record.jsonl')).length, 0, 'nothing was trained');
  });

  test('world size 2 on the wasm backend is refused with the reason', { timeout: 120_000 }, async () => {
    const { file } = config('wasm', {}, true);
    const a = serveTrainer(file, 0, `127.0.0.1:${await freePort()}`, [], cleanEnv({ DISCO_BACKEND: 'wasm' }));
    assert.notEqual(await a.exited, 0);
    assert.match(a.output(), /trainer\.world-size 2 needs the native backend with c10d .*this replica runs on wasm/);
  });
}
