/**
 * `npm run bench -- allreduce`: the data-parallel trainer's communication on loopback.
 * 1. Averaging ResNet-18's 11.2 M gradient floats between 2 ranks: ours (libs/disco's
 *    `averageGradients` over the native addon's c10d ProcessGroupGloo, from tfjs tensors back to
 *    tfjs tensors, in DDP's 25 MiB buckets) against torch.distributed with gloo doing the same
 *    (flatten each bucket, all_reduce, divide, copy back), in the same run, one after the other.
 *    Target: ratio ≤ 1.0.
 * 2. `--step`: a whole DisCo step of a ResNet-18 with 2 replicas × batch B vs 1 × 2B (equal global
 *    batch) and the communication share of the 2-replica step. On 2 cores the replicas share
 *    the CPU: no speed-up is expected; this measures the overhead.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@disco/tensor';
import { parseFlags, usage, type FlagSpecs } from './lib/args.ts';
import { BenchRunError } from './lib/errors.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { probeTorch, pythonPath } from './lib/python.ts';
import { RESULTS_DIR, writeResult } from './lib/result.ts';

const FLAGS = {
  floats: { kind: 'int', default: 11_200_000, min: 1, help: 'gradient floats (ResNet-18: 11.2 M)' },
  iters: { kind: 'int', default: 20, min: 1, help: 'timed rounds; the median is reported' },
  warmup: { kind: 'int', default: 3, min: 0, help: 'untimed rounds first' },
  step: { kind: 'boolean', help: 'also time a whole DisCo step: 2 replicas × batch vs 1 × 2·batch' },
  model: { kind: 'string', default: 'resnet18-cifar', help: 'model of --step' },
  batch: { kind: 'int', default: 32, min: 1, help: 'images per replica in --step' },
  size: { kind: 'int', default: 32, min: 8, help: 'image side in --step' },
  json: { kind: 'boolean', help: 'write results/allreduce.json and print it' },
  help: { kind: 'boolean', help: 'show this' },
} as const satisfies FlagSpecs;

const RANK = fileURLToPath(new URL('./allreduce_rank.ts', import.meta.url));
const TORCH = fileURLToPath(new URL('./pytorch_allreduce.py', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs `argv` once per rank (rank substituted for '{rank}'); resolves with rank 0's JSON line. */
function ranks(command: string, argv: (rank: number) => string[], world: number, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const runs = Array.from({ length: world }, (_, rank) => new Promise<string>((resolve, reject) => {
    const child = spawn(command, argv(rank), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new BenchRunError(`rank ${rank} exited ${code}: ${err.trim().split('\n').slice(-4).join(' / ')}`))));
  }));
  return Promise.all(runs).then((outs) => JSON.parse(outs[0].trim().split('\n').pop()!) as Record<string, unknown>);
}

const log = (line: string) => process.stderr.write(line + '\n');

export interface AllreduceResult {
  bench: 'allreduce';
  floats: number;
  world: number;
  ours_ms: number;
  pytorch_ms: number | null;
  ratio: number | null;
  ours_samples_ms: number[];
  pytorch_samples_ms: number[] | null;
  step?: { model: string; batch_per_replica: number; size: number; one_replica_ms: number; two_replicas_ms: number; communication_ms: number; communication_share: number };
  load_avg_1m: { start: number; end: number };
  pytorch_skipped?: string;
  machine: unknown;
  date: string;
}

export async function run(argv: string[]): Promise<AllreduceResult | undefined> {
  const flags = parseFlags('allreduce', FLAGS, argv);
  if (flags.help) {
    process.stdout.write(usage('allreduce', FLAGS) + '\n');
    return undefined;
  }
  const backend = await initBackend();
  const torch = await probeTorch();
  const load = { start: loadAverage(), end: 0 };
  const env = { ...process.env, DISCO_NATIVE_THREADS: '1', DISCO_BACKEND: 'native' };
  const [floats, iters, warmup] = [flags.floats!, flags.iters!, flags.warmup!];

  log(`allreduce: ${floats} floats between 2 ranks on loopback, ${iters} rounds after ${warmup}`);
  const ourPort = await freePort();
  const ours = await ranks(process.execPath, (r) => ['--import', 'tsx', RANK, String(r), '2', `127.0.0.1:${ourPort}`, String(floats), String(iters), String(warmup)], 2, env);
  log(`  ours (c10d gloo through the addon, from and to tfjs tensors): ${(ours.median_ms as number).toFixed(1)} ms`);
  let theirs: Record<string, unknown> | undefined;
  if (torch.available) {
    const port = await freePort();
    theirs = await ranks(pythonPath(), (r) => [TORCH, '--rank', String(r), '--port', String(port), '--floats', String(floats), '--iters', String(iters), '--warmup', String(warmup)], 2);
    log(`  torch.distributed gloo ${theirs.torch}: ${(theirs.median_ms as number).toFixed(1)} ms`);
  }

  let step: AllreduceResult['step'];
  if (flags.step) {
    const [model, batch, size] = [flags.model!, flags.batch!, flags.size!];
    const args = (world: number, perReplica: number, port: number) => (r: number) =>
      ['--import', 'tsx', RANK, String(r), String(world), `127.0.0.1:${port}`, '0', String(Math.max(3, Math.floor(iters / 4))), '1', 'step', model, String(perReplica), String(size)];
    const one = await ranks(process.execPath, args(1, 2 * batch, await freePort()), 1, { ...env, DISCO_NATIVE_THREADS: '2' });
    const two = await ranks(process.execPath, args(2, batch, await freePort()), 2, env);
    step = {
      model, batch_per_replica: batch, size,
      one_replica_ms: Number((one.step_ms as number).toFixed(1)),
      two_replicas_ms: Number((two.step_ms as number).toFixed(1)),
      communication_ms: Number((two.comm_ms as number).toFixed(1)),
      communication_share: Number(((two.comm_ms as number) / (two.step_ms as number)).toFixed(3)),
    };
    log(`  DisCo step, ${model} at ${size} px: 1 replica × ${2 * batch} ${step.one_replica_ms} ms; 2 replicas × ${batch} ${step.two_replicas_ms} ms, of which ${step.communication_ms} ms communication (${(100 * step.communication_share).toFixed(1)} %)`);
  }
  load.end = loadAverage();
  const result: AllreduceResult = {
    bench: 'allreduce',
    floats,
    world: 2,
    ours_ms: Number((ours.median_ms as number).toFixed(2)),
    pytorch_ms: theirs ? Number((theirs.median_ms as number).toFixed(2)) : null,
    ratio: theirs ? Number(((ours.median_ms as number) / (theirs.median_ms as number)).toFixed(3)) : null,
    ours_samples_ms: (ours.samples_ms as number[]).map((v) => Number(v.toFixed(2))),
    pytorch_samples_ms: theirs ? (theirs.samples_ms as number[]).map((v) => Number(v.toFixed(2))) : null,
    ...(step ? { step } : {}),
    load_avg_1m: load,
    ...(torch.available ? {} : { pytorch_skipped: torch.reason }),
    machine: describeMachine(backend, torch, 1),
    date: new Date().toISOString(),
  };
  log(`allreduce: ours ${result.ours_ms} ms${result.ratio === null ? '' : `, torch ${result.pytorch_ms} ms, ratio ${result.ratio}`}`);
  if (flags.json) {
    await writeResult(`${RESULTS_DIR}allreduce.json`, result as never);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
  return result;
}
