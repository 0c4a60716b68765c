/**
 * `npm run bench -- dataplane --size 224 [--json]`: view pairs per second that one trainer
 * process ingests and joins from real augment workers and a real teacher on loopback, with the
 * train step replaced by a no-op (`trainer.dryRun`: each batch is still leased, received,
 * validated, joined, checked, copied to the engine thread and recorded). Every role is its own
 * process started as a pod is (`disco serve <role>`); the teacher is a tiny ResNet-18
 * (ImageNet stem, width 1/16); the dataset is the augment bench's 500×375 JPEGs.
 *
 * Reported: end-to-end pairs/s over the steady state (first recorded step to last), and where
 * the time goes: CPU milliseconds per pair of each role over the same span, from
 * /proc/<pid>/stat (all threads). The trainer's CPU per pair gives what one trainer core can
 * ingest when augmentation has the cores it needs: `trainer_capacity_pairs_per_s`, and its
 * main thread's CPU per pair (gRPC receive, decode, join; the serial part) what one trainer can
 * ingest with a spare core for the rest: `trainer_main_thread_capacity_pairs_per_s`.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnRole, type SpawnedRole } from '@disco/dataplane';
import { benchJpegs } from './augment-jpegs.ts';
import { parseFlags, usage } from './lib/args.ts';
import { BenchRunError } from './lib/errors.ts';
import { RESULTS_DIR } from './lib/result.ts';

const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));

const FLAGS = {
  size: { kind: 'int', default: 224, min: 8, help: 'side of the views (px)' },
  batch: { kind: 'int', default: 64, min: 2, help: 'view pairs per batch' },
  batches: { kind: 'int', default: 40, min: 3, help: 'batches in the run (the plan)' },
  augmenters: { kind: 'int', default: 2, min: 1, help: 'augment worker processes' },
  teachers: { kind: 'int', default: 1, min: 1, help: 'teacher processes' },
  window: { kind: 'int', default: 8, min: 1, help: 'dataplane.window: batches leased at once' },
  'batches-in-flight': { kind: 'int', default: 4, min: 1, help: 'augment.batchesInFlight per worker' },
  'images-in-flight': { kind: 'int', default: 3, min: 1, help: 'augment.imagesInFlight per worker' },
  json: { kind: 'boolean', help: 'write test/bench/results/dataplane-<size>.json and print it' },
  out: { kind: 'string', help: 'write the result JSON here instead' },
  'profile-trainer': { kind: 'string', help: 'write V8 CPU profiles of the trainer (all threads) to this folder (--cpu-prof)' },
  help: { kind: 'boolean', help: 'this text' },
} as const;

type Role = 'trainer' | 'augment' | 'teacher';

/** utime and stime (seconds) from the text of a /proc/…/stat file; the name is between the parentheses. */
function parseStat(stat: string): { name: string; user: number; system: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // clock ticks (USER_HZ = 100 on Linux)
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** utime + stime of a process, all threads, in seconds. */
function cpuSeconds(pid: number): number {
  const { user, system } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return user + system;
}

/** CPU seconds of each thread of a process, summed by thread name, user and system apart. */
function threadCpu(pid: number): Record<string, { user: number; system: number }> {
  const out: Record<string, { user: number; system: number }> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const e = (out[tid === String(pid) ? 'main' : t.name] ??= { user: 0, system: 0 });
      e.user += t.user;
      e.system += t.system;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

interface RecordLine {
  time: number;
  images: number;
}

function readRecord(path: string): RecordLine[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith('}'))
      .map((l) => JSON.parse(l) as RecordLine);
  } catch {
    return [];
  }
}

export async function run(args: string[]): Promise<unknown> {
  const flags = parseFlags('dataplane', FLAGS, args);
  if (flags.help) {
    process.stdout.write(usage('dataplane', FLAGS) + '\n');
    return undefined;
  }
  const size = flags.size!;
  const batch = flags.batch!;
  const batches = flags.batches!;
  const dir = mkdtempSync(join(tmpdir(), 'disco-bench-dataplane-'));
  const jpegs = await benchJpegs(200);
  const manifest = join(dir, 'images.jsonl');
  const listing = readdirSync(jpegs).filter((f) => f.endsWith('.jpg')).map((f) => JSON.stringify({ path: join(jpegs, f) })).join('\n') + '\n';
  const images = batch * batches;
  const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
  const runDir = join(dir, 'run');
  const config = {
    trainer: { ...loopback, run: 'bench', runDir, seed: 1, epochs: 1, batchSize: batch, size, model: 'resnet18', width: 0.0625, datasetSize: Math.ceil(images / 200) * 200, limitImages: images, dryRun: true, knnEvery: 0, checkpointEvery: 0, exitWhenDone: false },
    algo: { k: batch * 4, headHidden: 128, embedDim: 128, ghostBatchSize: Math.min(32, batch) },
    teacher: { ...loopback, model: 'resnet18', width: 0.0625, headHidden: 128, embedDim: 128, seed: 0 },
    augment: { ...loopback, dataset: manifest, imagesInFlight: flags['images-in-flight'], batchesInFlight: flags['batches-in-flight'] },
    dataplane: { window: flags.window, leaseMs: 120_000 },
    drain: { graceMs: 5_000 },
  };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  // 200 files; the plan repeats none within an epoch, so the manifest repeats the list until it
  // is at least `images` long.
  writeFileSync(manifest, listing.repeat(Math.ceil(images / 200)));

  const logs: string[] = [];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  const profile = flags['profile-trainer'];
  const nodeArgs = (role: Role) => (role === 'trainer' && profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []);
  const spawn = (role: Role, name: string, extra: string[] = []) =>
    spawnRole({ script: CLI, args: ['serve', role, '--config', configFile, ...extra], nodeArgs: nodeArgs(role), env, readyTimeoutMs: 180_000, onStderr: (l) => logs.push(`${name}: ${l}`) });
  const roles: { name: string; role: Role; p: SpawnedRole }[] = [];
  const loadBefore = loadavg()[0];
  try {
    const [trainer, ...teachers] = await Promise.all([spawn('trainer', 'trainer'), ...Array.from({ length: flags.teachers! }, (_, i) => spawn('teacher', `teacher-${i}`))]);
    roles.push({ name: 'trainer', role: 'trainer', p: trainer }, ...teachers.map((p, i) => ({ name: `teacher-${i}`, role: 'teacher' as const, p })));
    const workerFlags = ['--augment.trainer', `127.0.0.1:${trainer.info.port}`, '--augment.teachers', teachers.map((t) => `127.0.0.1:${t.info.port}`).join(',')];
    const workers = await Promise.all(Array.from({ length: flags.augmenters! }, (_, i) => spawn('augment', `augment-${i}`, workerFlags)));
    roles.push(...workers.map((p, i) => ({ name: `augment-${i}`, role: 'augment' as const, p })));

    const recordPath = join(runDir, 'record.jsonl');
    const deadline = Date.now() + (Number(process.env.DISCO_BENCH_DEADLINE_S) || 1800) * 1000;
    let start: { time: number; cpu: Record<string, number>; threads: ReturnType<typeof threadCpu> } | undefined;
    let lines: RecordLine[] = [];
    for (;;) {
      lines = readRecord(recordPath);
      if (!start && lines.length >= 1) {
        start = { time: lines[0].time, cpu: Object.fromEntries(roles.map((r) => [r.name, cpuSeconds(r.p.child.pid!)])), threads: threadCpu(trainer.child.pid!) };
      }
      if (lines.length >= batches) break;
      if (Date.now() > deadline) throw new BenchRunError(`only ${lines.length} of ${batches} batches before the deadline:\n${logs.slice(-30).join('\n')}`);
      for (const r of roles) if (r.p.child.exitCode !== null) throw new BenchRunError(`${r.name} exited (${r.p.child.exitCode}):\n${logs.slice(-20).join('\n')}`);
      await new Promise((res) => setTimeout(res, 25));
    }
    const cpuEnd = Object.fromEntries(roles.map((r) => [r.name, cpuSeconds(r.p.child.pid!)]));
    const threadsEnd = threadCpu(trainer.child.pid!);
    const seconds = (lines[lines.length - 1].time - start!.time) / 1000;
    const pairs = lines.slice(1).reduce((s, l) => s + l.images, 0);
    const cpuMsPerPair = (name: string) => (1000 * (cpuEnd[name] - start!.cpu[name])) / pairs;
    const byRole = (role: Role) => roles.filter((r) => r.role === role).reduce((s, r) => s + cpuMsPerPair(r.name), 0);
    const trainerMs = cpuMsPerPair('trainer');
    const main0 = start!.threads.main ?? { user: 0, system: 0 };
    const mainMs = (1000 * (threadsEnd.main.user + threadsEnd.main.system - main0.user - main0.system)) / pairs;
    const result = {
      bench: 'dataplane',
      size,
      batch,
      batches,
      augmenters: flags.augmenters,
      teachers: flags.teachers,
      window: flags.window,
      when: new Date().toISOString(),
      cores: cpus().length,
      pairs_per_s: pairs / seconds,
      steady_state: { pairs, seconds },
      mb_per_s_views: (pairs * 2 * size * size * 3) / seconds / 1e6,
      cpu_ms_per_pair: { trainer: trainerMs, augment: byRole('augment'), teacher: byRole('teacher') },
      cpu_ms_per_pair_by_process: Object.fromEntries(roles.map((r) => [r.name, cpuMsPerPair(r.name)])),
      trainer_capacity_pairs_per_s: 1000 / trainerMs,
      // Where the trainer's CPU goes, by thread: main (gRPC, join) and the rest by name (the engine thread and V8's helpers are 'node'), ms per pair.
      trainer_threads_ms_per_pair: Object.fromEntries(
        Object.entries(threadsEnd).map(([name, t]) => {
          const t0 = start!.threads[name] ?? { user: 0, system: 0 };
          return [name, { user: (1000 * (t.user - t0.user)) / pairs, system: (1000 * (t.system - t0.system)) / pairs }];
        }),
      ),
      // The main thread (HTTP/2, decode, join) is the serial part; the rest runs on other cores.
      trainer_main_thread_capacity_pairs_per_s: 1000 / mainMs,
      augment_capacity_pairs_per_core_s: 1000 / (byRole('augment') / 1),
      load_avg_1m: { before: loadBefore, after: loadavg()[0] },
      goal_pairs_per_s: 1000,
    };
    const text = JSON.stringify(result, null, 2);
    if (flags.json || flags.out) {
      const path = flags.out ?? join(RESULTS_DIR, `dataplane-${size}.json`);
      writeFileSync(path, text + '\n');
      process.stderr.write(`wrote ${path}\n`);
    }
    process.stdout.write(text + '\n');
    return result;
  } finally {
    // SIGTERM first: a profiled trainer writes its profile on a clean exit.
    await Promise.all(roles.map(async (r) => (r.p.child.kill(profile && r.role === 'trainer' ? 'SIGTERM' : 'SIGKILL'), await r.p.exited)));
    rmSync(dir, { recursive: true, force: true });
  }
}
