/**
 * `npm run bench -- disco-step`: one whole DisCo / MoCo-v2 / SEED training step as the trainer
 * runs it — libs/disco's DiscoTrainer.trainStep: EMA of the key encoder, keys of view 2 in
 * shuffled ghost batches (the Shuffle-BN substitute), the student on both views, InfoNCE logits
 * against the queue of K keys, CE + λ·(MSE₁ + MSE₂), backward, momentum SGD, enqueue — with the
 * teacher's embeddings given (the teacher runs in another process, off the trainer's critical
 * path) against the same step in PyTorch with DisCo-pytorch's semantics
 * (`pytorch_disco_step.py`: einsum logits, cat, CrossEntropyLoss, MSELoss(sum), in-place queue),
 * in the same run, steps interleaved.
 *
 * `--profile` (or the default on 'native') times every tfjs kernel of our step and lists those
 * that ran in JavaScript (tfjs's cpu kernels) with their share of the step; the row fails if any
 * takes more than 1 % of it (`jsMaxShare`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createDiscoTrainer, resolveAlgoConfig, LOSS_MODES, type LossMode, type DiscoTrainer } from '@disco/disco';
import { BACKEND_NAMES, describeJsKernels, initBackend, startKernelProfile, type BackendName, type KernelProfile } from '@disco/tensor';
import { createEncoder, MODEL_NAMES, type Encoder } from '@disco/models';
import { parseFlags, usage, type FlagSpecs } from './lib/args.ts';
import { BenchRunError, BenchUsageError } from './lib/errors.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { guardedStep } from './lib/our_side.ts';
import { probeTorch } from './lib/python.ts';
import { PytorchSession } from './lib/pytorch_session.ts';
import { RESULTS_DIR, writeResult } from './lib/result.ts';
import { measureInterleaved, median, type Timing } from './lib/stats.ts';

/** Students of the paper (and the CIFAR-stem ResNet-18 of the small runs). */
export const DISCO_STEP_STUDENTS = ['resnet18', 'resnet18-cifar', 'mobilenetv3-large', 'efficientnet-b0'] as const;

/** Most of a step any JavaScript kernel may take before the row fails. */
export const JS_MAX_SHARE = 0.01;

const FLAGS = {
  student: { kind: 'string', default: 'resnet18', choices: DISCO_STEP_STUDENTS as unknown as string[], help: 'student backbone' },
  width: { kind: 'number', default: 1, help: 'student width multiplier' },
  mode: { kind: 'string', default: 'disco', choices: LOSS_MODES as unknown as string[], help: 'loss mode' },
  k: { kind: 'int', default: 65536, min: 1, help: 'K, the queue size' },
  'teacher-dim': { kind: 'int', default: 128, min: 1, help: "embedding size (the teacher's = the student head's output)" },
  'head-hidden': { kind: 'int', default: 2048, min: 1, help: 'hidden width of the student head' },
  ghost: { kind: 'int', default: 32, min: 1, help: 'ghost batch size of the Shuffle-BN substitute' },
  batch: { kind: 'int', default: 64, min: 2, help: 'images per step' },
  size: { kind: 'int', default: 32, min: 8, help: 'view side in px' },
  iters: { kind: 'int', default: 10, min: 1, help: 'timed steps; the median is reported' },
  warmup: { kind: 'int', default: 2, min: 0, help: 'untimed steps first' },
  seed: { kind: 'int', default: 1, help: 'seed of weights and inputs' },
  backend: { kind: 'string', choices: BACKEND_NAMES as unknown as string[], help: 'force our tfjs backend' },
  pytorch: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'run PyTorch too: when available / required / never' },
  threads: { kind: 'int', default: 2, min: 1, help: 'torch.set_num_threads of the PyTorch side' },
  profile: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'profile JavaScript kernels in one extra step (auto: on native)' },
  json: { kind: 'boolean', help: 'write the result to test/bench/results/ and print it as JSON' },
  out: { kind: 'string', help: 'write the result JSON here instead (implies writing)' },
  help: { kind: 'boolean', help: 'show this' },
} as const satisfies FlagSpecs;

function log(line: string): void {
  process.stderr.write(line + '\n');
}

interface StepInputs {
  x1: tf.Tensor4D;
  x2: tf.Tensor4D;
  t1: tf.Tensor2D;
  t2: tf.Tensor2D;
}

function inputs(batch: number, size: number, dim: number, seed: number): StepInputs {
  return tf.tidy(() => {
    const unit = (s: number) => {
      const g = tf.randomNormal([batch, dim], 0, 1, 'float32', s); // [N, D]
      return tf.div(g, tf.norm(g, 2, 1, true)) as tf.Tensor2D; // [N, D]
    };
    return {
      x1: tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D, // [N, H, W, 3]
      x2: tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D, // [N, H, W, 3]
      t1: unit(seed + 2),
      t2: unit(seed + 3),
    };
  });
}

export interface DiscoStepResult {
  bench: 'disco-step';
  mode: LossMode;
  student: string;
  width: number;
  K: number;
  teacher_dim: number;
  head_hidden: number;
  batch: number;
  size: number;
  backend: string;
  ours_ms: number;
  pytorch_ms: number | null;
  /** ours / PyTorch (lower is better). */
  ratio: number | null;
  ours_img_s: number;
  pytorch_img_s: number | null;
  ours_samples_ms: number[];
  pytorch_samples_ms: number[] | null;
  /** JavaScript kernels of one profiled step (native only), and the largest one's share of the step. */
  js_kernels?: { kernel: string; calls: number; ms: number; share: number }[];
  js_max_share?: number;
  js_ok?: boolean;
  params: number;
  iters: number;
  warmup: number;
  step: string;
  load_avg_1m: { start: number; end: number };
  pytorch_skipped?: string;
  machine: unknown;
  date: string;
}

export async function run(argv: string[]): Promise<DiscoStepResult | undefined> {
  const flags = parseFlags('disco-step', FLAGS, argv);
  if (flags.help) {
    process.stdout.write(usage('disco-step', FLAGS) + '\n');
    return undefined;
  }
  const student = flags.student!;
  if (!MODEL_NAMES.includes(student)) throw new BenchUsageError(`--student '${student}' is not a model`);
  const mode = flags.mode as LossMode;
  const [width, K, dim, headHidden, ghost, batch, size, iters, warmup, seed, threads] = [flags.width!, flags.k!, flags['teacher-dim']!,
    flags['head-hidden']!, flags.ghost!, flags.batch!, flags.size!, flags.iters!, flags.warmup!, flags.seed!, flags.threads!];
  if (K % (mode === 'seed' ? 2 * batch : batch) !== 0) throw new BenchUsageError(`--k ${K} must be a multiple of ${mode === 'seed' ? '2×' : ''}--batch ${batch}`);
  if (batch % ghost !== 0) throw new BenchUsageError(`--batch ${batch} must be a multiple of --ghost ${ghost}`);

  const torch = flags.pytorch === 'off' ? undefined : await probeTorch();
  if (flags.pytorch === 'on' && !torch?.available) throw new BenchRunError(`--pytorch on, but ${torch && !torch.available ? torch.reason : 'no probe'}`);
  const backend = await initBackend(flags.backend as BackendName | undefined);

  const config = resolveAlgoConfig({
    mode, K, batchSize: batch, ghostBatchSize: ghost, embedDim: dim, headHidden, T: 0.2, m: 0.999, lambda: 32, mseReduction: 'batchmean',
    baseLr: 0.03, momentum: 0.9, weightDecay: 1e-4, epochs: 200, lrSchedule: 'cosine-epoch', seed,
  });
  const build = (): Encoder => createEncoder(student, { width, seed, headHidden, embedDim: dim });
  let trainer: DiscoTrainer | undefined;
  let py: Awaited<ReturnType<typeof PytorchSession.start>> | undefined;
  const data = inputs(batch, size, dim, seed);
  const load = { start: loadAverage(), end: 0 };
  let timings: Timing[];
  let profile: KernelProfile | undefined;
  let params = 0;
  try {
    trainer = await createDiscoTrainer(config, { buildEncoder: build, teacherDim: dim });
    params = trainer.student.parameters().reduce((s, p) => s + p.size, 0);
    let n = 0;
    const stepOnce = async () => {
      const r = trainer!.trainStep({ batchId: `bench/0/${n++}`, epoch: 0, ...data });
      if (!Number.isFinite(r.loss)) throw new BenchRunError(`disco-step: loss is ${r.loss}`);
    };
    if (torch?.available) {
      py = await PytorchSession.start('pytorch_disco_step.py', {
        student, width, mode, k: K, dim, 'head-hidden': headHidden, ghost, batch, size, seed, threads, warmup, iters,
      });
      if (py.info.params !== params) throw new BenchRunError(`pytorch_disco_step.py: PyTorch's student has ${py.info.params} parameters, ours ${params}`);
    }
    log(`disco-step: ${mode}, student ${student} ×${width} (${(params / 1e6).toFixed(2)} M parameters with head ${headHidden}), K ${K}, batch ${batch}, ${size} px; ours on ${backend.name}${py ? `, PyTorch ${py.info.torch} (${py.info.threads} threads), steps interleaved` : ''}`);
    const ours = { step: stepOnce, dispose: () => undefined };
    timings = await measureInterleaved([guardedStep('disco-step', ours, batch), ...(py ? [py.session.step.bind(py.session)] : [])], {
      warmup,
      iters,
      onRun: (i, side, ms) => log(`  ${i < 0 ? `warm-up ${i + warmup + 1}/${warmup}` : `step ${i + 1}/${iters}`} ${side === 0 ? 'ours   ' : 'pytorch'} ${ms.toFixed(1).padStart(9)} ms`),
    });
    load.end = loadAverage();
    if (flags.profile === 'on' || (flags.profile === 'auto' && backend.name === 'native')) {
      const profiler = startKernelProfile();
      await stepOnce();
      profile = profiler.stop();
    }
  } finally {
    trainer?.dispose();
    tf.dispose(Object.values(data));
    await py?.session.close();
  }

  const ours = timings[0].medianMs;
  const theirs = timings[1]?.medianMs ?? null;
  const stepMs = profile?.wallMs ?? ours;
  const jsKernels = profile?.javascript.map((k) => ({ kernel: k.kernel, calls: k.jsCalls, ms: Number(k.jsMs.toFixed(2)), share: Number((k.jsMs / stepMs).toFixed(4)) }));
  const jsMax = jsKernels ? Math.max(0, ...jsKernels.map((k) => k.share)) : undefined;
  if (profile) {
    log(`disco-step: profiled step ${profile.wallMs.toFixed(0)} ms, ${profile.jsMs.toFixed(1)} ms in JavaScript kernels${profile.javascript.length ? ':' : ''}`);
    for (const line of describeJsKernels(profile, profile.wallMs)) log(`  ${line}`);
    log(`disco-step: slowest kernels of the profiled step:`);
    for (const k of profile.kernels.slice(0, 12)) log(`  ${k.kernel}: ${k.calls} calls, ${k.ms.toFixed(1)} ms (${((100 * k.ms) / profile.wallMs).toFixed(1)} %)`);
  }
  const skipped = torch && !torch.available ? torch.reason : flags.pytorch === 'off' ? '--pytorch off' : undefined;
  const result: DiscoStepResult = {
    bench: 'disco-step',
    mode, student, width, K, teacher_dim: dim, head_hidden: headHidden, batch, size,
    backend: backend.name,
    ours_ms: Number(ours.toFixed(1)),
    pytorch_ms: theirs === null ? null : Number(theirs.toFixed(1)),
    ratio: theirs === null ? null : Number((ours / theirs).toFixed(3)),
    ours_img_s: Number(((batch * 1000) / ours).toFixed(1)),
    pytorch_img_s: theirs === null ? null : Number(((batch * 1000) / theirs).toFixed(1)),
    ours_samples_ms: timings[0].samplesMs.map((v) => Number(v.toFixed(1))),
    pytorch_samples_ms: timings[1]?.samplesMs.map((v) => Number(v.toFixed(1))) ?? null,
    ...(jsKernels ? { js_kernels: jsKernels, js_max_share: jsMax, js_ok: jsMax! <= JS_MAX_SHARE } : {}),
    params, iters, warmup,
    step: 'DiscoTrainer.trainStep (EMA, keys in shuffled ghost batches, student on both views, InfoNCE vs the queue, CE + λ·MSE, backward, momentum SGD, enqueue); teacher embeddings given',
    load_avg_1m: load,
    ...(skipped ? { pytorch_skipped: skipped } : {}),
    machine: describeMachine(backend, torch, py ? py.info.threads : null),
    date: new Date().toISOString(),
  };
  log(`disco-step: ours ${result.ours_ms} ms${theirs === null ? '' : `, PyTorch ${result.pytorch_ms} ms, ratio ${result.ratio}`} (median of ${iters}; medians of each side's samples: ${median(timings[0].samplesMs).toFixed(0)})`);
  if (flags.json || flags.out !== undefined) {
    const path = flags.out ?? `${RESULTS_DIR}disco-step-${mode}-${student}${width !== 1 ? `-w${width}` : ''}-k${K}.json`;
    await writeResult(path, result as never);
    log(`disco-step: wrote ${path}`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
  if (result.js_ok === false) throw new BenchRunError(`JavaScript kernels take ${(100 * jsMax!).toFixed(1)} % of the step (limit ${100 * JS_MAX_SHARE} %): ${jsKernels!.filter((k) => k.share > JS_MAX_SHARE).map((k) => k.kernel).join(', ')}`);
  return result;
}
