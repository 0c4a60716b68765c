/**
 * `npm run bench -- embed-onnx`: the frozen teacher's forward (BatchNorm in eval mode, to pooled
 * features) on onnxruntime-node — our model exported with `exportOnnx`, BN folded — against the
 * same model's tfjs forward (the `embed` bench's step) and PyTorch's `torch.no_grad()` eval
 * forward (`pytorch_embed.py`), in one run, one after the other. The row's `ours_ms` is
 * onnxruntime's; the tfjs figures and both load averages sit next to it, and the ONNX output
 * is checked against the tfjs output on the timed batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, initBackend, type BackendName } from '@disco/tensor';
import { OnnxSession, exportOnnx, loadOnnxRuntime } from '@disco/models';
import { parseFlags, usage, type FlagSpecs } from './lib/args.ts';
import { BenchRunError, BenchUsageError } from './lib/errors.ts';
import { countForwardFlop } from './lib/flops.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { BENCH_MODEL_NAMES, benchModel, buildOurs, pytorchModelArgs } from './lib/models.ts';
import { probeTorch, runPythonJson } from './lib/python.ts';
import { RESULTS_DIR, writeResult, type BenchResult } from './lib/result.ts';
import { measure, type Timing } from './lib/stats.ts';
import { embed } from './embed.ts';

const FLAGS = {
  model: { kind: 'string', default: 'resnet18-cifar', choices: BENCH_MODEL_NAMES, help: 'architecture' },
  width: { kind: 'int', default: 64, min: 1, help: 'base width (channels of the stem and first stage; torchvision 64)' },
  batch: { kind: 'int', default: 64, min: 1, help: 'images per step' },
  size: { kind: 'int', min: 8, help: 'input side in px (default 32 for resnet18-cifar, 224 for the others)' },
  iters: { kind: 'int', default: 10, min: 1, help: 'timed steps of onnxruntime and PyTorch; the median is reported' },
  warmup: { kind: 'int', default: 2, min: 0, help: 'untimed steps first' },
  'tfjs-iters': { kind: 'int', min: 0, help: 'timed tfjs steps (default --iters; 0 skips tfjs)' },
  'tfjs-warmup': { kind: 'int', min: 0, help: 'untimed tfjs steps (default --warmup)' },
  seed: { kind: 'int', default: 1, help: 'seed of weights and input' },
  backend: { kind: 'string', choices: BACKEND_NAMES, help: 'force the tfjs backend (default: DISCO_BACKEND or the best available)' },
  threads: { kind: 'int', default: 2, min: 1, help: 'threads of onnxruntime (intra-op) and of PyTorch (torch.set_num_threads)' },
  spinning: { kind: 'string', default: 'off', choices: ['on', 'off'], help: "onnxruntime's idle threads busy-wait (on) or sleep (off, what the teacher service uses)" },
  pytorch: { kind: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'run PyTorch too: when available / required / never' },
  json: { kind: 'boolean', help: 'write the result to test/bench/results/ and print it as JSON' },
  out: { kind: 'string', help: 'write the result JSON here instead (implies writing)' },
  help: { kind: 'boolean', help: 'show this' },
} as const satisfies FlagSpecs;

/** A side-by-side row whose `ours_*` figures are onnxruntime's, plus the tfjs figures of the same run. */
export interface EmbedOnnxResult extends BenchResult {
  onnx: { runtime: string; threads: number; spinning: boolean; graph_nodes: number; export_ms: number; session_ms: number; max_abs_diff_vs_tfjs: number | null; max_abs_features: number };
  tfjs: { backend: string; ms: number; min_ms: number; samples_ms: number[]; iters: number; ratio_vs_pytorch: number | null; onnx_speedup: number; load_avg_1m: number } | null;
}

interface PytorchRun {
  torch: string;
  threads: number;
  params: number;
  median_ms: number;
  samples_ms: number[];
}

function log(line: string): void {
  process.stderr.write(line + '\n');
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const significant = (x: number) => Number(x.toPrecision(4));

function progress(engine: string, warmup: number) {
  return (i: number, ms: number) => log(`  ${engine} ${i < 0 ? `warm-up ${i + warmup + 1}/${warmup}` : `step ${i + 1}`}: ${ms.toFixed(1)} ms`);
}

export async function run(args: string[]): Promise<EmbedOnnxResult | undefined> {
  const flags = parseFlags('embed-onnx', FLAGS, args);
  if (flags.help) {
    process.stdout.write(usage('embed-onnx', FLAGS) + '\n');
    return undefined;
  }
  const modelName = flags.model!;
  const spec = benchModel(modelName);
  const [width, batch, iters, warmup, seed, threads] = [flags.width!, flags.batch!, flags.iters!, flags.warmup!, flags.seed!, flags.threads!];
  const size = flags.size ?? spec.defaultSize;
  const tfjsIters = flags['tfjs-iters'] ?? iters;
  const tfjsWarmup = flags['tfjs-warmup'] ?? warmup;
  if (iters < 10) log(`embed-onnx: only ${iters} timed steps: a smoke run, not a measurement (use ≥ 10)`);

  const runtime = await loadOnnxRuntime();
  if (!runtime.available) throw new BenchRunError(`onnxruntime-node is needed: ${runtime.reason}`);
  const torch = flags.pytorch === 'off' ? undefined : await probeTorch();
  if (flags.pytorch === 'on' && !torch?.available) throw new BenchRunError(`--pytorch on, but ${torch && !torch.available ? torch.reason : 'no probe'}`);
  const backend = await initBackend(flags.backend as BackendName | undefined);
  if (flags.backend && backend.name !== flags.backend) throw new BenchUsageError(`--backend ${flags.backend}: this process already runs on '${backend.name}'`);

  const model = buildOurs(spec, width, seed);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D; // [N, H, W, 3]
  const params = model.parameterCount();
  let onnx: Timing;
  let tfjs: Timing | undefined;
  let onnxInfo: EmbedOnnxResult['onnx'];
  const loads = { onnx: 0, tfjs: 0 };
  let flopPerExample: number;
  try {
    flopPerExample = (await countForwardFlop(model, size)).perExample;
    log(`embed-onnx: ${modelName} width ${width}, batch ${batch}, ${size} px, ${(flopPerExample / 1e6).toPrecision(4)} MFLOP per image`);
    let t0 = performance.now();
    const graph = exportOnnx(model);
    const exportMs = performance.now() - t0;
    t0 = performance.now();
    const session = await OnnxSession.create(runtime.ort, graph, { threads, spinning: flags.spinning === 'on' });
    const sessionMs = performance.now() - t0;
    const input = x.dataSync() as Float32Array;
    let features: Float32Array = new Float32Array(0);
    try {
      log(`embed-onnx: onnxruntime-node ${runtime.version}, ${threads} intra-op threads (spinning ${flags.spinning}), ${graph.nodeCount} nodes (export ${exportMs.toFixed(0)} ms, session ${sessionMs.toFixed(0)} ms)`);
      loads.onnx = loadAverage();
      onnx = await measure(async () => void (features = await session.run(input, x.shape)), { iters, warmup, onRun: progress('onnx', warmup) });
    } finally {
      await session.dispose();
    }
    let maxDiff: number | null = null;
    if (tfjsIters > 0) {
      log(`embed-onnx: tfjs on ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})`);
      const reference = tf.tidy(() => model.forward(x, { bn: 'eval' })); // [N, D]
      const want = (await reference.data()) as Float32Array;
      reference.dispose();
      maxDiff = want.reduce((m, v, i) => Math.max(m, Math.abs(v - features[i])), 0);
      const timed = embed.prepare(model, x);
      try {
        loads.tfjs = loadAverage();
        tfjs = await measure(() => timed.step(), { iters: tfjsIters, warmup: tfjsWarmup, onRun: progress('tfjs', tfjsWarmup) });
      } finally {
        timed.dispose();
      }
    }
    onnxInfo = {
      runtime: `onnxruntime-node ${runtime.version}`,
      threads,
      spinning: flags.spinning === 'on',
      graph_nodes: graph.nodeCount,
      export_ms: round(exportMs),
      session_ms: round(sessionMs),
      max_abs_diff_vs_tfjs: maxDiff === null ? null : significant(maxDiff),
      max_abs_features: significant(features.reduce((m, v) => Math.max(m, Math.abs(v)), 0)),
    };
  } finally {
    tf.dispose(x);
    model.dispose();
  }

  const loadPytorch = loadAverage();
  let py: PytorchRun | undefined;
  if (torch?.available) {
    log(`embed-onnx: PyTorch ${torch.torch}, ${threads} threads (pytorch_embed.py)`);
    py = await runPythonJson<PytorchRun>('pytorch_embed.py', { ...pytorchModelArgs(spec, width), batch, size, iters, warmup, seed, threads });
    if (py.params !== params) throw new BenchRunError(`pytorch_embed.py: PyTorch's ${modelName} has ${py.params} parameters, ours ${params}: not the same architecture`);
  }
  const gflop = (flopPerExample * batch) / 1e9;
  const skipped = torch && !torch.available ? torch.reason : flags.pytorch === 'off' ? '--pytorch off' : undefined;
  const result: EmbedOnnxResult = {
    bench: 'embed-onnx',
    model: modelName,
    width, batch, size,
    backend: `onnxruntime-node ${runtime.version}`,
    ours_ms: round(onnx.medianMs),
    pytorch_ms: py ? round(py.median_ms) : null,
    ratio: py ? round(onnx.medianMs / py.median_ms, 3) : null,
    gflop_per_step: significant(gflop),
    ours_gflops: significant(gflop / (onnx.medianMs / 1000)),
    pytorch_gflops: py ? significant(gflop / (py.median_ms / 1000)) : null,
    ours_min_ms: round(Math.min(...onnx.samplesMs)),
    pytorch_min_ms: py ? round(Math.min(...py.samples_ms)) : null,
    iters, warmup,
    ours_samples_ms: onnx.samplesMs.map((ms) => round(ms)),
    pytorch_samples_ms: py ? py.samples_ms.map((ms) => round(ms)) : null,
    params,
    step: `${embed.describe}; ours = our model exported to ONNX (BN folded) on onnxruntime-node, ${threads} intra-op threads, spinning ${flags.spinning}`,
    flop_note: 'conv + linear multiply-adds ×2 from the kernel shapes of a profiled tfjs forward; BN, ReLU, adds, pooling not counted',
    load_avg_1m: { ours: loads.onnx, pytorch: py ? loadPytorch : null },
    ...(skipped ? { pytorch_skipped: skipped } : {}),
    machine: describeMachine(backend, torch, py ? py.threads : null),
    date: new Date().toISOString(),
    onnx: onnxInfo,
    tfjs: tfjs
      ? {
          backend: backend.name,
          ms: round(tfjs.medianMs),
          min_ms: round(Math.min(...tfjs.samplesMs)),
          samples_ms: tfjs.samplesMs.map((ms) => round(ms)),
          iters: tfjsIters,
          ratio_vs_pytorch: py ? round(tfjs.medianMs / py.median_ms, 3) : null,
          onnx_speedup: round(tfjs.medianMs / onnx.medianMs, 2),
          load_avg_1m: loads.tfjs,
        }
      : null,
  };

  const summary = [
    `embed-onnx ${modelName} width ${width}, batch ${batch}, ${size} px (${gflop.toPrecision(3)} GFLOP per step), median ms:`,
    `  onnxruntime ${result.ours_ms}  tfjs-${backend.name} ${result.tfjs?.ms ?? '—'}  PyTorch ${result.pytorch_ms ?? '—'}`,
    `  onnx/PyTorch ${result.ratio ?? '—'}×  tfjs/PyTorch ${result.tfjs?.ratio_vs_pytorch ?? '—'}×  load ${loads.onnx} / ${loads.tfjs} / ${loadPytorch}`,
  ].join('\n');
  const wantFile = flags.json || flags.out !== undefined;
  if (wantFile) {
    const path = flags.out ?? `${RESULTS_DIR}embed-onnx-${modelName}-w${width}.json`;
    await writeResult(path, result);
    log(summary);
    log(`embed-onnx: wrote ${path}`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    process.stdout.write(summary + '\n');
  }
  return result;
}
