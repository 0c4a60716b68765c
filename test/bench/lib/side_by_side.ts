/**
 * The shared flow of a bench that times one step of a model on our engine and then the same
 * step of the same architecture in PyTorch, in the same run: flags → backend → model → FLOP
 * count → our timing → PyTorch's timing (a committed script) → one result row.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, initBackend, type BackendName } from '@disco/tensor';
import type { ResNet } from '@disco/models';
import { parseFlags, usage, type FlagSpecs } from './args.ts';
import { BenchRunError, BenchUsageError } from './errors.ts';
import { TRAIN_STEP_FORWARDS, countForwardFlop, type ForwardFlop } from './flops.ts';
import { describeMachine, loadAverage } from './machine.ts';
import { BENCH_MODEL_NAMES, benchModel, buildOurs, pytorchModelArgs } from './models.ts';
import { probeTorch, runPythonJson, type TorchProbe } from './python.ts';
import { RESULTS_DIR, formatTable, writeResult, type BenchResult } from './result.ts';
import { measure, type Timing } from './stats.ts';

export const SIDE_BY_SIDE_FLAGS = {
  model: { kind: 'string', default: 'resnet18-cifar', choices: BENCH_MODEL_NAMES, help: 'architecture' },
  width: { kind: 'int', default: 64, min: 1, help: 'base width (channels of the stem and first stage; torchvision 64)' },
  batch: { kind: 'int', default: 64, min: 1, help: 'images per step' },
  size: { kind: 'int', min: 8, help: 'input side in px (default 32 for resnet18-cifar, 224 for the others)' },
  iters: { kind: 'int', default: 10, min: 1, help: 'timed steps; the median is reported' },
  warmup: { kind: 'int', default: 2, min: 0, help: 'untimed steps first' },
  seed: { kind: 'int', default: 1, help: 'seed of weights and input' },
  backend: { kind: 'string', choices: BACKEND_NAMES, help: 'force our tfjs backend (default: DISCO_BACKEND or the best available)' },
  pytorch: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'run PyTorch too: when available / required / never' },
  threads: { kind: 'int', default: 2, min: 1, help: 'torch.set_num_threads of the PyTorch side' },
  json: { kind: 'boolean', help: 'write the result to test/bench/results/ and print it as JSON' },
  out: { kind: 'string', help: 'write the result JSON here instead (implies writing)' },
  help: { kind: 'boolean', help: 'show this' },
} as const satisfies FlagSpecs;

/** The step a bench times on our side; `step` resolves once its results are computed. */
export interface TimedStep {
  step(): Promise<void>;
  dispose(): void;
}

export interface SideBySide {
  bench: string;
  /** One line saying what a step is (BN mode, loss, optimiser); recorded in the result. */
  describe: string;
  /** FLOPs of a step in forwards (1 for inference, 3 for a training step). */
  flopForwards: number;
  /** `test/bench/<script>`: same flags as ours, prints one JSON line. */
  pytorchScript: string;
  pytorchArgs: Record<string, number | string>;
  prepare(model: ResNet, x: tf.Tensor4D): TimedStep;
  /** Default file name in `results/`. */
  resultFile(model: string, width: number): string;
}

interface PytorchRun {
  torch: string;
  threads: number;
  params: number;
  median_ms: number;
  samples_ms: number[];
}

const HEAP_ERRORS = /memory access out of bounds|out of memory|Cannot enlarge memory|Aborted\(|Array buffer allocation failed/i;

function log(line: string): void {
  process.stderr.write(line + '\n');
}

/** Runs a side-by-side bench from its command line; undefined after `--help`. */
export async function runSideBySide(def: SideBySide, argv: readonly string[]): Promise<BenchResult | undefined> {
  const flags = parseFlags(def.bench, SIDE_BY_SIDE_FLAGS, argv);
  if (flags.help) {
    process.stdout.write(usage(def.bench, SIDE_BY_SIDE_FLAGS) + '\n');
    return undefined;
  }
  const modelName = flags.model!;
  const spec = benchModel(modelName);
  const [width, batch, iters, warmup, seed, threads] = [flags.width!, flags.batch!, flags.iters!, flags.warmup!, flags.seed!, flags.threads!];
  const size = flags.size ?? spec.defaultSize;
  if (iters < 10) log(`${def.bench}: only ${iters} timed steps: a smoke run, not a measurement (use ≥ 10)`);

  const torch: TorchProbe | undefined = flags.pytorch === 'off' ? undefined : await probeTorch();
  if (flags.pytorch === 'on' && !torch?.available) throw new BenchRunError(`--pytorch on, but ${torch && !torch.available ? torch.reason : 'no probe'}`);
  const backend = await initBackend(flags.backend as BackendName | undefined);
  if (flags.backend && backend.name !== flags.backend) {
    throw new BenchUsageError(`--backend ${flags.backend}: this process already runs on '${backend.name}'`);
  }

  const model = buildOurs(spec, width, seed);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D; // [N, H, W, 3]
  const params = model.parameterCount();
  let ours: Timing;
  let loadOurs: number;
  let flop: ForwardFlop;
  try {
    flop = await countForwardFlop(model, size);
    log(`${def.bench}: ours on ${backend.name}, ${modelName} width ${width}, batch ${batch}, ${size} px, ${(flop.perExample / 1e6).toPrecision(4)} MFLOP per image forward`);
    loadOurs = loadAverage();
    ours = await timeOurs(def, model, x, { iters, warmup, batch });
  } finally {
    tf.dispose(x);
    model.dispose();
  }

  const loadPytorch = loadAverage();
  const py = torch?.available ? await timePytorch(def, torch, { ...pytorchModelArgs(spec, width), batch, size, iters, warmup, seed, threads }) : undefined;
  if (py && py.params !== params) {
    throw new BenchRunError(`${def.pytorchScript}: PyTorch's ${modelName} has ${py.params} parameters, ours ${params}: not the same architecture`);
  }
  const skipped = torch && !torch.available ? torch.reason : flags.pytorch === 'off' ? '--pytorch off' : undefined;
  const result: BenchResult = {
    bench: def.bench,
    model: modelName,
    width, batch, size,
    backend: backend.name,
    ...figures(ours, py, (flop.perExample * batch * def.flopForwards) / 1e9),
    iters, warmup,
    params,
    step: def.describe,
    flop_note: `conv + linear multiply-adds ×2 from the kernel shapes of a profiled forward; ${def.flopForwards === TRAIN_STEP_FORWARDS ? 'a training step counts 3 forwards (backward ≈ 2× forward); ' : ''}BN, ReLU, adds, pooling not counted`,
    load_avg_1m: { ours: loadOurs, pytorch: py ? loadPytorch : null },
    ...(skipped ? { pytorch_skipped: skipped } : {}),
    machine: describeMachine(backend, torch, py ? py.threads : null),
    date: new Date().toISOString(),
  };

  const wantFile = flags.json || flags.out !== undefined;
  (wantFile ? log : (s: string) => process.stdout.write(s + '\n'))(formatTable(result));
  if (wantFile) {
    const path = flags.out ?? RESULTS_DIR + def.resultFile(modelName, width);
    await writeResult(path, result);
    log(`${def.bench}: wrote ${path}`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
  return result;
}

async function timePytorch(def: SideBySide, torch: TorchProbe, args: Record<string, string | number>): Promise<PytorchRun> {
  log(`${def.bench}: PyTorch ${torch.available ? torch.torch : '?'}, ${args.threads} threads (${def.pytorchScript})`);
  return runPythonJson<PytorchRun>(def.pytorchScript, { ...args, ...def.pytorchArgs });
}

/** The timing fields of a result: medians, ratio, GFLOP/s, samples. */
function figures(ours: Timing, py: PytorchRun | undefined, gflopPerStep: number) {
  return {
    ours_ms: round(ours.medianMs),
    pytorch_ms: py ? round(py.median_ms) : null,
    ratio: py ? round(ours.medianMs / py.median_ms, 3) : null,
    gflop_per_step: significant(gflopPerStep),
    ours_gflops: significant(gflopPerStep / (ours.medianMs / 1000)),
    pytorch_gflops: py ? significant(gflopPerStep / (py.median_ms / 1000)) : null,
    ours_min_ms: round(Math.min(...ours.samplesMs)),
    pytorch_min_ms: py ? round(Math.min(...py.samples_ms)) : null,
    ours_samples_ms: ours.samplesMs.map((ms) => round(ms)),
    pytorch_samples_ms: py ? py.samples_ms.map((ms) => round(ms)) : null,
  };
}

async function timeOurs(def: SideBySide, model: ResNet, x: tf.Tensor4D, plan: { iters: number; warmup: number; batch: number }): Promise<Timing> {
  const timed = def.prepare(model, x);
  let baseline: number | undefined;
  const step = async () => {
    await timed.step();
    const n = tf.memory().numTensors;
    baseline ??= n;
    if (n !== baseline) throw new BenchRunError(`${def.bench}: live tensors went from ${baseline} to ${n} in one step (a leak)`);
  };
  try {
    return await measure(step, {
      ...plan,
      onRun: (i, ms) => log(`  ours ${i < 0 ? `warm-up ${i + plan.warmup + 1}/${plan.warmup}` : `step ${i + 1}/${plan.iters}`}: ${ms.toFixed(1)} ms`),
    });
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if ((err as Error).name === 'WasmMemoryError' || HEAP_ERRORS.test(msg)) {
      throw new BenchRunError(`${def.bench}: our engine ran out of memory at batch ${plan.batch} (the wasm heap stops at 4 GB): retry with a smaller --batch (${msg.split('\n')[0]})`);
    }
    throw err;
  } finally {
    timed.dispose();
  }
}

/** x with 4 significant digits (FLOP figures span 1e-4 to 1e3). */
function significant(x: number): number {
  return Number(x.toPrecision(4));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
