/** The JSON a bench writes (one file per row in `test/bench/results/`) and the table it prints. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.ts';
import type { Timing } from './stats.ts';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface BenchResult {
  bench: string;
  model: string;
  width: number;
  batch: number;
  size: number;
  /** Our tfjs backend (`wasm`, `cpu`, `tfjs-node`, …). */
  backend: string;
  /** Median ms of one timed step on our engine. */
  ours_ms: number;
  /** Median ms of the same step in PyTorch, or null when PyTorch was not run. */
  pytorch_ms: number | null;
  /** ours_ms / pytorch_ms (> 1: we are slower). */
  ratio: number | null;
  /** FLOPs of one timed step / 1e9, counted from the conv/linear shapes (see `flop_note`). */
  gflop_per_step: number;
  ours_gflops: number;
  pytorch_gflops: number | null;
  /** Fastest timed step of each side: on a shared machine, the least disturbed figure. */
  ours_min_ms: number;
  pytorch_min_ms: number | null;
  iters: number;
  warmup: number;
  ours_samples_ms: number[];
  pytorch_samples_ms: number[] | null;
  /** Trainable parameters; the PyTorch model must have the same count. */
  params: number;
  /** What one step is: mode, loss, optimiser, threads. */
  step: string;
  flop_note: string;
  /**
   * 1-minute load averages at labelled moments (side-by-side benches: `start`/`end` of the
   * interleaved timing). On 2 cores, above ~2 means other work competed.
   */
  load_avg_1m: Record<string, number | null>;
  /** Why PyTorch was not run, when it was not. */
  pytorch_skipped?: string;
  machine: Machine;
  date: string;
}

export async function writeResult(path: string, result: BenchResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(result, null, 2) + '\n');
}

/** x with 4 significant digits (FLOP figures span 1e-4 to 1e3). */
function significant(x: number): number {
  return Number(x.toPrecision(4));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The timing fields of a result from our timing and PyTorch's (if it ran). */
export function figures(ours: Timing, py: Timing | undefined, gflopPerStep: number) {
  return {
    ours_ms: round(ours.medianMs),
    pytorch_ms: py ? round(py.medianMs) : null,
    ratio: py ? round(ours.medianMs / py.medianMs, 3) : null,
    gflop_per_step: significant(gflopPerStep),
    ours_gflops: significant(gflopPerStep / (ours.medianMs / 1000)),
    pytorch_gflops: py ? significant(gflopPerStep / (py.medianMs / 1000)) : null,
    ours_min_ms: round(Math.min(...ours.samplesMs)),
    pytorch_min_ms: py ? round(Math.min(...py.samplesMs)) : null,
    ours_samples_ms: ours.samplesMs.map((ms) => round(ms)),
    pytorch_samples_ms: py ? py.samplesMs.map((ms) => round(ms)) : null,
  };
}

function fixed(x: number | null, digits: number): string {
  return x === null ? '—' : x.toFixed(digits);
}

function precise(x: number | null): string {
  return x === null ? '—' : x.toPrecision(3);
}

/** A plain-text table of one result, for people. */
export function formatTable(r: BenchResult): string {
  const m = r.machine;
  const ours = `${r.backend} (${m.backend_threads} thread${m.backend_threads === 1 ? '' : 's'}${m.backend_simd ? ', SIMD' : ''})`;
  const torch = m.torch ? `torch ${m.torch} (${m.torch_threads} threads)` : `not run: ${r.pytorch_skipped ?? 'unknown'}`;
  const rows = [
    ['', 'engine', 'median ms', 'GFLOP/s'],
    ['ours', ours, fixed(r.ours_ms, 1), precise(r.ours_gflops)],
    ['pytorch', torch, fixed(r.pytorch_ms, 1), precise(r.pytorch_gflops)],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
  return [
    `${r.bench} ${r.model} width ${r.width}, batch ${r.batch}, ${r.size} px: ${r.step}`,
    `median of ${r.iters} after ${r.warmup} warm-up; ${r.gflop_per_step.toPrecision(3)} GFLOP per step; ${m.cpu_model}, ${m.cores} cores`,
    ...lines,
    `ratio ours/pytorch: ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`}`,
  ].join('\n');
}
