/**
 * The end of a run: the student's backbone (no projection head) as safetensors (torchvision
 * names, for PyTorch) and as tfjs weights, plus `summary.json` (what was trained, how fast, how
 * much of the time went to waiting for data, what the data plane dropped or re-leased).
 */
import { join } from 'node:path';
import { exportBackbone, writeFileAtomic } from '@disco/models';
import type { DiscoTrainer } from '@disco/disco';
import type { TrainerConfig } from './config.ts';

export interface ExportPaths {
  safetensors: string;
  tfjs: string;
}

export function exportPaths(runDir: string): ExportPaths {
  return { safetensors: join(runDir, 'export', 'student.safetensors'), tfjs: join(runDir, 'export', 'student-tfjs') };
}

export async function exportStudent(runDir: string, trainer: DiscoTrainer, config: Readonly<TrainerConfig>): Promise<ExportPaths> {
  const paths = exportPaths(runDir);
  const { trainer: t, algo } = config;
  const metadata = {
    arch: t.model,
    width: String(t.width),
    run: t.run,
    seed: String(t.seed),
    epochs: String(t.epochs),
    steps: String(trainer.step),
    mode: algo.mode,
    producer: 'disco trainer',
  };
  await exportBackbone(trainer.student.backbone, paths.tfjs, 'tfjs', metadata);
  await exportBackbone(trainer.student.backbone, paths.safetensors, 'safetensors', metadata);
  return paths;
}

/** `summary.json`: how the run ended and how it went (this process only: a resumed run counts from the restart). */
export interface RunSummary {
  run: string;
  state: string;
  position: { epoch: number; step: number; globalStep: number };
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  thisProcess: {
    wallSeconds: number;
    steps: number;
    images: number;
    dataWaitSeconds: number;
    computeSeconds: number;
    /** Images per second of step time (data wait + compute). */
    imagesPerSecond: number;
    /** Fraction of step time spent waiting for data, and the same without the first step (start-up). */
    dataWaitFraction: number;
    dataWaitFractionAfterFirstStep: number;
  };
  deliveries: { accepted: number; duplicate: number; stale: number; invalid: number };
  batchesReleased: number;
  lastCheckpoint?: string;
  export?: ExportPaths;
  error?: string;
  stopped?: string;
}

export function writeSummary(runDir: string, summary: RunSummary): string {
  const path = join(runDir, 'summary.json');
  writeFileAtomic(path, [Buffer.from(JSON.stringify(summary, null, 2) + '\n', 'utf8')]);
  return path;
}
