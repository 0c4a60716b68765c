/**
 * The shared flow of a bench that times one step of a model on our engine against the same
 * step of the same architecture in PyTorch, in the same run: flags → backend → model → FLOP
 * count → a PyTorch process serving steps (a committed script) → both timed, steps taking
 * turns → one result row.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, initBackend, type BackendName } from '@disco/tensor';
import type { ResNet } from '@disco/models';
import { parseFlags, usage, type FlagSpecs } from './args.ts';
import { BenchRunError, BenchUsageError } from './errors.ts';
import { TRAIN_STEP_FORWARDS, countForwardFlop, type ForwardFlop } from './flops.ts';
import { describeMachine, loadAverage } from './machine.ts';
import { BENCH_MODEL_NAMES, benchModel, buildOurs, pytorchModelArgs } from './models.ts';
import { guardedStep, type OurStep } from './our_side.ts';
import { probeTorch, type TorchProbe } from './python.ts';
import { PytorchSession, type PytorchInfo } from './pytorch_session.ts';
import { RESULTS_DIR, figures, formatTable, writeResult, type BenchResult } from './result.ts';
import { measureInterleaved, type Timing } from './stats.ts';

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

export interface SideBySide {
  bench: string;
  /** One line saying what a step is (BN mode, loss, optimiser); recorded in the result. */
  describe: string;
  /** FLOPs of a step in forwards (1 for inference, 3 for a training step). */
  flopForwards: number;
  /** `test/bench/<script>`: takes `pytorch_resnet.py`'s flags (+ `pytorchArgs`), serves steps with `--serve`. */
  pytorchScript: string;
  pytorchArgs: Record<string, number | string>;
  prepare(model: ResNet, x: tf.Tensor4D): OurStep;
  /** Default file name in `results/`. */
  resultFile(model: string, width: number): string;
}

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
  let ours: OurStep | undefined;
  let py: { session: PytorchSession; info: PytorchInfo } | undefined;
  let timings: Timing[];
  let flop: ForwardFlop;
  const load = { start: loadAverage(), end: 0 };
  try {
    flop = await countForwardFlop(model, size);
    log(`${def.bench}: ${modelName} width ${width}, batch ${batch}, ${size} px, ${(flop.perExample / 1e6).toPrecision(4)} MFLOP per image forward`);
    if (torch?.available) {
      py = await PytorchSession.start(def.pytorchScript, { ...pytorchModelArgs(spec, width), batch, size, warmup, iters, seed, threads, ...def.pytorchArgs });
      if (py.info.params !== params) {
        throw new BenchRunError(`${def.pytorchScript}: PyTorch's ${modelName} has ${py.info.params} parameters, ours ${params}: not the same architecture`);
      }
    }
    ours = def.prepare(model, x);
    const sides = [guardedStep(def.bench, ours, batch), ...(py ? [py.session.step.bind(py.session)] : [])];
    log(`${def.bench}: ours on ${backend.name}${py ? `, PyTorch ${py.info.torch} with ${py.info.threads} threads, steps interleaved` : ''}`);
    timings = await measureInterleaved(sides, {
      warmup,
      iters,
      onRun: (i, side, ms) => log(`  ${i < 0 ? `warm-up ${i + warmup + 1}/${warmup}` : `step ${i + 1}/${iters}`} ${side === 0 ? 'ours   ' : 'pytorch'} ${ms.toFixed(1).padStart(9)} ms`),
    });
    load.end = loadAverage();
  } finally {
    ours?.dispose();
    await py?.session.close();
    tf.dispose(x);
    model.dispose();
  }

  const skipped = torch && !torch.available ? torch.reason : flags.pytorch === 'off' ? '--pytorch off' : undefined;
  const result: BenchResult = {
    bench: def.bench,
    model: modelName,
    width, batch, size,
    backend: backend.name,
    ...figures(timings[0], timings[1], (flop.perExample * batch * def.flopForwards) / 1e9),
    iters, warmup,
    params,
    step: def.describe,
    flop_note: `conv + linear multiply-adds ×2 from the kernel shapes of a profiled forward; ${def.flopForwards === TRAIN_STEP_FORWARDS ? 'a training step counts 3 forwards (backward ≈ 2× forward); ' : ''}BN, ReLU, adds, pooling not counted`,
    load_avg_1m: load,
    ...(skipped ? { pytorch_skipped: skipped } : {}),
    machine: describeMachine(backend, torch, py ? py.info.threads : null),
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
