/**
 * `npm run bench -- augment --size 224 [--json]`: MoCo-v2 view pairs per CPU-second and per
 * wall-second, ours (sharp decode + wasm kernels) vs torchvision + PIL (Debian's
 * python3-torchvision, when importable) on the same 500x375 JPEGs and output size, in the same
 * run. Both single-threaded: ours awaits each pair (the decode runs on a libuv thread while
 * the main thread waits), torchvision runs with torch.set_num_threads(1). Rounds alternate
 * between the two so machine load hits both alike; medians are reported. Also measured: our
 * batch helper with 3 images in flight (uses a second core: decode overlaps the kernels).
 * `--json` writes test/bench/results/augment-<size>.json and prints it.
 * Runnable directly: npx tsx test/bench/augment.ts --size 32
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { augmentBatch, augmentPair, type Dataset } from '@disco/augment';
import { benchJpegs, JPEG_HEIGHT, JPEG_WIDTH } from './augment-jpegs.ts';
import { parseFlags, usage } from './lib/args.ts';
import { BenchRunError } from './lib/errors.ts';
import { probeTorch, pythonPath } from './lib/python.ts';
import { RESULTS_DIR } from './lib/result.ts';

const TORCHVISION_SCRIPT = fileURLToPath(new URL('./augment_torchvision.py', import.meta.url));

const FLAGS = {
  size: { kind: 'int', default: 224, min: 1, help: 'output side of each view in px' },
  pairs: { kind: 'int', min: 1, help: 'pairs per round per side (default 150 at >= 128 px, else 400)' },
  rounds: { kind: 'int', default: 5, min: 1, help: 'rounds, alternating ours and torchvision; medians reported' },
  images: { kind: 'int', default: 200, min: 1, help: 'synthetic 500x375 JPEGs (made once, cached in the OS temp folder)' },
  torchvision: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'run torchvision + PIL too: when available / required / never' },
  json: { kind: 'boolean', help: 'write the result to test/bench/results/augment-<size>.json and print it as JSON' },
  out: { kind: 'string', help: 'write the result JSON here instead (implies writing)' },
  help: { kind: 'boolean', help: 'show this' },
} as const;

export interface AugmentBenchArgs {
  size: number;
  json: boolean;
  /** Pairs per round per side (default 150 at >= 128 px, else 400). */
  pairs?: number;
  rounds?: number;
  images?: number;
  torchvision?: 'auto' | 'on' | 'off';
  out?: string;
}

interface Round {
  pairs: number;
  cpu_s: number;
  wall_s: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perCpuS = (r: Round) => r.pairs / r.cpu_s;
const perWallS = (r: Round) => r.pairs / r.wall_s;

async function measure(pairs: number, body: () => Promise<void>): Promise<Round> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const c = process.cpuUsage(c0);
  return { pairs, cpu_s: (c.user + c.system) / 1e6, wall_s: (performance.now() - t0) / 1e3 };
}

/** The torchvision worker: a persistent python process answering "<n>" with a timed round. */
class Torchvision {
  private constructor(private readonly proc: ReturnType<typeof spawn>, private readonly lines: AsyncIterator<string>, readonly versions: Record<string, string>) {}

  static async start(dir: string, size: number): Promise<Torchvision> {
    const proc = spawn(pythonPath(), [TORCHVISION_SCRIPT, dir, String(size)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    const hello = await lines.next();
    if (hello.done) throw new BenchRunError(`augment: ${TORCHVISION_SCRIPT} exited before it was ready`);
    return new Torchvision(proc, lines, JSON.parse(hello.value).versions);
  }

  async round(n: number): Promise<Round> {
    this.proc.stdin!.write(`${n}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new BenchRunError('augment: the torchvision worker exited mid-run');
    return JSON.parse(value);
  }

  stop(): void {
    this.proc.stdin!.end();
  }
}

function memoryDataset(blobs: Buffer[]): Dataset {
  return {
    length: blobs.length,
    description: 'bench JPEGs',
    read: async (i) => ({ kind: 'encoded', name: `${i}.jpg`, bytes: blobs[i] }),
  };
}

/** From the harness (`npm run bench -- augment ...`: the flags) or from code (an object). */
export async function run(argv: readonly string[] | AugmentBenchArgs): Promise<object | undefined> {
  if (Array.isArray(argv)) {
    const f = parseFlags('augment', FLAGS, argv);
    if (f.help) {
      process.stdout.write(usage('augment', FLAGS) + '\n');
      return undefined;
    }
    const torchvision = f.torchvision as AugmentBenchArgs['torchvision'];
    return measureAll({ size: f.size!, json: f.json, pairs: f.pairs, rounds: f.rounds, images: f.images, torchvision, out: f.out });
  }
  return measureAll(argv as AugmentBenchArgs);
}

async function measureAll(args: AugmentBenchArgs): Promise<object> {
  const size = args.size;
  const n = args.pairs ?? (size >= 128 ? 150 : 400);
  const rounds = args.rounds ?? 5;
  const dir = await benchJpegs(args.images ?? 200);
  const blobs = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => readFileSync(join(dir, f)));
  const dataset = memoryDataset(blobs);
  let next = 0;
  const oursSequential = () => measure(n, async () => {
    for (let i = 0; i < n; i++, next++) {
      await augmentPair({ kind: 'encoded', name: 'bench.jpg', bytes: blobs[next % blobs.length] }, { runSeed: 1, epoch: 0, index: next, size });
    }
  });
  const oursBatch = () => measure(n, async () => {
    const indices = Array.from({ length: n }, (_, i) => (next + i) % blobs.length);
    next += n;
    await augmentBatch(dataset, { runSeed: 1, epoch: 0, indices, size }, { inFlight: 3 });
  });

  const probe = args.torchvision === 'off' ? undefined : await probeTorch();
  if (args.torchvision === 'on' && !probe?.available) throw new BenchRunError(`--torchvision on, but ${probe && !probe.available ? probe.reason : 'no probe'}`);
  const missing = probe?.available ? null : probe ? probe.reason : 'not run (--torchvision off)';
  const tv = probe?.available ? await Torchvision.start(dir, size) : undefined;
  await measure(30, async () => {
    for (let i = 0; i < 30; i++) await augmentPair({ kind: 'encoded', name: 'warm.jpg', bytes: blobs[i % blobs.length] }, { runSeed: 0, epoch: 0, index: i, size });
  });
  const ours: Round[] = [];
  const batch: Round[] = [];
  const theirs: Round[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      ours.push(await oursSequential());
      if (tv) theirs.push(await tv.round(n));
      batch.push(await oursBatch());
    }
  } finally {
    tv?.stop();
  }

  const oursCpu = median(ours.map(perCpuS));
  const tvCpu = tv ? median(theirs.map(perCpuS)) : null;
  const result = {
    bench: 'augment',
    size,
    when: new Date().toISOString(),
    images: { count: blobs.length, width: JPEG_WIDTH, height: JPEG_HEIGHT, mean_bytes: Math.round(blobs.reduce((s, b) => s + b.length, 0) / blobs.length), folder: dir },
    rounds,
    pairs_per_round: n,
    ours_pairs_per_cpu_s: oursCpu,
    ours_cpu_ms_per_pair: 1000 / oursCpu,
    ours_wall_pairs_per_s: median(ours.map(perWallS)),
    ours_batch_in_flight_3: { wall_pairs_per_s: median(batch.map(perWallS)), cpu_ms_per_pair: 1000 / median(batch.map(perCpuS)) },
    torchvision_pairs_per_cpu_s: tvCpu,
    torchvision_cpu_ms_per_pair: tvCpu ? 1000 / tvCpu : null,
    torchvision_wall_pairs_per_s: tv ? median(theirs.map(perWallS)) : null,
    ratio: tvCpu ? oursCpu / tvCpu : null,
    ratio_per_round: tv ? ours.map((o, i) => perCpuS(o) / perCpuS(theirs[i])) : null,
    wall_ratio: tv ? median(ours.map(perWallS)) / median(theirs.map(perWallS)) : null,
    torchvision: tv ? { available: true, versions: tv.versions } : { available: false, reason: missing },
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, sharp: sharp.versions.sharp, vips: sharp.versions.vips, load_avg_1m: loadavg()[0] },
  };
  if (args.json || args.out) {
    const file = args.out ?? join(RESULTS_DIR, `augment-${size}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  }
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const f = (x: number | null, d = 1) => (x === null ? 'n/a' : x.toFixed(d));
    console.log(`augment ${size}px, ${blobs.length} JPEGs ${JPEG_WIDTH}x${JPEG_HEIGHT}, ${rounds} rounds x ${n} pairs (medians)`);
    console.log(`  ours         ${f(oursCpu)} pairs/CPU-s (${f(1000 / oursCpu, 2)} CPU-ms/pair), ${f(result.ours_wall_pairs_per_s)} pairs/s wall`);
    console.log(`  ours batch   ${f(result.ours_batch_in_flight_3.wall_pairs_per_s)} pairs/s wall with 3 in flight (${f(result.ours_batch_in_flight_3.cpu_ms_per_pair, 2)} CPU-ms/pair)`);
    console.log(`  torchvision  ${f(tvCpu)} pairs/CPU-s (${f(result.torchvision_cpu_ms_per_pair, 2)} CPU-ms/pair), ${f(result.torchvision_wall_pairs_per_s)} pairs/s wall`);
    console.log(missing ? `  ratio        n/a (${missing})` : `  ratio        ${f(result.ratio, 2)}x per CPU-second, ${f(result.wall_ratio, 2)}x wall`);
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run(process.argv.slice(2));
}
