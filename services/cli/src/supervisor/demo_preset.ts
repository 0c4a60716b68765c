/**
 * What `disco train` trains when given neither a dataset nor a model (or `--preset demo`): a
 * small student (ResNet-18, CIFAR stem, width 1/8) distilled from the bundled teacher on the
 * bundled sample dataset (2,000 Fashion-MNIST images) at 24 px, sized to finish in a few
 * minutes on 2 cores. Any other run starts from the schema's documented defaults (the paper's):
 * the preset never sits silently under a real run. Under both lies `LOCAL_LAYER`, what running
 * every role on one machine needs (loopback, free ports, data-plane depth for one trainer).
 * Layers: defaults → disco train (local) → preset → file → env → flags.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** services/cli/assets/teacher/: the bundled teacher checkpoint (`*.pth`) and its `.json`. */
export const BUNDLED_TEACHER_DIR = fileURLToPath(new URL('../../assets/teacher/', import.meta.url));

export interface BundledTeacher {
  checkpoint: string;
  model: string;
  width: number;
}

/** The bundled teacher checkpoint, if the repository has one (else the teacher is seeded random). */
export function findBundledTeacher(dir = BUNDLED_TEACHER_DIR): BundledTeacher | undefined {
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).filter((f) => f.endsWith('.pth') || f.endsWith('.pth.tar')).sort()[0];
  if (!file) return undefined;
  const checkpoint = join(dir, file);
  let meta: Record<string, unknown> = {};
  const sidecar = checkpoint.replace(/\.pth(\.tar)?$/, '.json');
  if (existsSync(sidecar)) {
    try {
      meta = JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, unknown>;
    } catch {
      meta = {};
    }
  }
  const model = typeof meta.arch === 'string' ? meta.arch : DEMO_TEACHER.model;
  // The sidecar (written by test/reference/train_teacher_mocov2.py) gives the ResNet base width
  // in channels; disco's `width` is the multiplier of torchvision's 64.
  const width = typeof meta.width === 'number' ? meta.width / 64 : DEMO_TEACHER.width;
  return { checkpoint, model, width };
}

/** The teacher's shape (matches test/reference/train_teacher_mocov2.py's bundled teacher). */
export const DEMO_TEACHER = { model: 'resnet18-cifar', width: 0.25, headHidden: 128, embedDim: 128, seed: 0 } as const;

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };

/**
 * Every `disco train` run: the roles on loopback with free ports; a failed trainer exits at once
 * (`disco train` reports the failure itself, no scrape to wait for); each worker keeps 4 batches
 * in flight so that the window of 8 stays full while a step runs.
 */
export const LOCAL_LAYER: Readonly<Record<string, unknown>> = Object.freeze({
  trainer: { ...loopback, failLingerMs: 0 },
  teacher: { ...loopback },
  augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 4 },
  dataplane: { window: 8, leaseMs: 60_000 },
  drain: { graceMs: 10_000 },
});

/** The demo preset (a partial config over LOCAL_LAYER). */
export function demoPreset(teacher: BundledTeacher | null = findBundledTeacher() ?? null): Record<string, unknown> {
  return {
    trainer: { run: 'demo', epochs: 3, batchSize: 32, size: 24, model: 'resnet18-cifar', width: 0.125, checkpointEvery: 20 },
    algo: { k: 2048, headHidden: 512, embedDim: DEMO_TEACHER.embedDim, ghostBatchSize: 16, baseLr: 0.24 },
    teacher: {
      model: teacher?.model ?? DEMO_TEACHER.model,
      width: teacher?.width ?? DEMO_TEACHER.width,
      headHidden: DEMO_TEACHER.headHidden,
      embedDim: DEMO_TEACHER.embedDim,
      seed: DEMO_TEACHER.seed,
      checkpoint: teacher?.checkpoint ?? '',
    },
  };
}
