/**
 * The epoch plan: which images each step of each epoch trains on. Epoch e is a seeded
 * permutation of the images (a pure function of (seed, e)), cut into batches of `batchSize`
 * with the last partial batch dropped; batch (e, s) has id `(run, e, s)`. Any process can
 * recompute any batch, so a resumed trainer plans exactly what an uninterrupted one did.
 */
import { toWireParams, type PlanSpec, type PlannedBatch } from '@disco/dataplane';
import { MOCO_V2_AUGMENT } from '@disco/augment';

export interface PlanOptions {
  run: string;
  seed: number;
  batchSize: number;
  /** View side (px). */
  size: number;
  /** Images the plan draws from: indices 0…images−1. */
  images: number;
  /** Length of the workers' dataset (they refuse a plan cut from another length). */
  datasetSize: number;
}

export class PlanError extends Error {
  override name = 'PlanError';
}

/** 32-bit mix of a few words (splitmix32 finaliser per word). */
function mix(...words: number[]): number {
  let h = 0x243f6a88;
  for (const w of words) {
    h = (h + (w >>> 0) + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** mulberry32: uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PLAN_RNG = 'fisher-yates(mulberry32(mix(seed, epoch)))';

/** The image order of epoch `epoch`: a permutation of 0…n−1 (Fisher–Yates). */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  const next = mulberry32(mix(seed, epoch, 0x504c414e)); // 'PLAN'
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export function stepsPerEpoch(options: Pick<PlanOptions, 'images' | 'batchSize'>): number {
  return Math.floor(options.images / options.batchSize);
}

export function checkPlan(options: PlanOptions): void {
  if (options.images > options.datasetSize) throw new PlanError(`plan draws from ${options.images} images but the dataset has ${options.datasetSize}`);
  if (stepsPerEpoch(options) < 1) {
    throw new PlanError(`${options.images} images make no batch of ${options.batchSize} (the last partial batch is dropped): lower trainer.batch-size or add images`);
  }
}

/** Batches `fromStep`… of epoch `epoch`, in training order. */
export function planEpoch(options: PlanOptions, epoch: number, fromStep = 0): PlannedBatch<PlanSpec>[] {
  checkPlan(options);
  const order = epochPermutation(options.seed, epoch, options.images);
  const params = toWireParams(MOCO_V2_AUGMENT);
  const out: PlannedBatch<PlanSpec>[] = [];
  for (let step = fromStep; step < stepsPerEpoch(options); step++) {
    const indices = Array.from(order.subarray(step * options.batchSize, (step + 1) * options.batchSize));
    out.push({
      id: { run: options.run, epoch, step },
      spec: { indices, runSeed: options.seed, size: options.size, params, datasetSize: options.datasetSize },
    });
  }
  return out;
}
