/**
 * The shape of `docs/repro/results.json`: every number the report shows, with the command that
 * produced it, so the report (and anyone else) can be regenerated from the file alone.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Curves } from './record_curves.ts';

export interface Accuracy {
  top1: number;
  top5: number;
}

/** One `disco eval --json` of one backbone. */
export interface EvalEntry {
  /** What was evaluated, e.g. `teacher`, `random-init`, `disco`, `disco@epoch1`. */
  name: string;
  weights: string;
  arch: string;
  width: number;
  size: number;
  knn: Accuracy | null;
  linear: Accuracy | null;
  nTrain: number;
  nTest: number;
  featureDim: number;
  wallSeconds: number;
  command: string;
}

export interface RunEntry {
  name: string;
  mode: string;
  headHidden: number;
  /** Training seed: student init, plan, augmentation. */
  seed: number;
  /** `incomplete`: no finished summary (still running, stopped, or failed: see `error`). */
  status: 'done' | 'incomplete';
  /** The last lines of the run's log when it did not finish. */
  error?: string;
  /** Wall time of `disco train` (start-up, training, export). */
  trainWallSeconds: number | null;
  imagesPerSecond: number | null;
  dataWaitFraction: number | null;
  command: string;
  curves: Curves | null;
  eval: EvalEntry | null;
  /** kNN top-1/top-5 of the student after each epoch (epoch 0 = its initial weights). */
  knnByEpoch: { epoch: number; top1: number; top5: number }[];
}

export interface Results {
  budget: string;
  started: string;
  updated: string;
  /** Phases finished so far, with their wall time. */
  phases: { name: string; wallSeconds: number }[];
  settings: {
    /** `disco train --config` file and its content (identical for every run but the mode). */
    configFile: string;
    trainConfig: unknown;
    /** The resolved config of the main disco run (`runs/repro/<budget>/disco/config.json`). */
    resolvedConfig: unknown;
    eval: { train: string; test: string; trainImages: number; testImages: number; size: number; linearEpochs: number; knnK: number; knnT: number };
  };
  /** Wall time: all training runs, all `disco eval` calls (per-epoch ones included), and first run start → last eval. */
  wall?: { trainSeconds: number; evalSeconds: number; evalCount: number; elapsedSeconds: number; firstStart: string; lastEnd: string };
  hardware: { cpus: string; cores: number; memoryGiB: number; node: string; backend: string; loadAverageAtStart: number[] };
  references: Record<string, EvalEntry>;
  runs: Record<string, RunEntry>;
  /** Collapse diagnostic (test/repro/embedding_spread.ts); absent until the epochs phase ran. */
  diagnostics?: Diagnostics;
}

/** Mean pairwise cosine of L2-normalised 128-d embeddings (1 = all the same direction). */
export interface Diagnostics {
  images: number;
  teacher: number;
  /** Per run, per epoch-end checkpoint: the key queue, the student's and the key encoder's embeddings (null: SEED, which has neither). */
  runs: Record<string, { epoch: number; queue: number | null; student: number; key: number | null }[]>;
}

export function loadResults(path: string): Results | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Results) : undefined;
}

export function saveResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  results.updated = new Date().toISOString();
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
}
