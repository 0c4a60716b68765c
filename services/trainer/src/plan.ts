/**
 * The epoch plan: which images each step of each epoch trains on. Epoch e is a seeded
 * permutation of the images (a pure function of (seed, e)), cut into batches of `batchSize`
 * with the last partial batch dropped; batch (e, s) has id `(run, e, s)`. Any process can
 * recompute any batch, so a resumed trainer plans exactly what an uninterrupted one did.
 *
 * Data-parallel replicas share this one global plan: replica r coordinates its shard of every
 * batch, positions [r·B/W, (r+1)·B/W) of it (a fixed rank-ordered split), under the same id.
 */
import { toWireParams, type PlanSpec, type PlannedBatch } from '@disco/dataplane';
import { MOCO_V2_RECIPE, recipeParams, type AugmentRecipe } from '@disco/augment';
import { InitRng, mixSeed, randomPermutation } from '@disco/models';

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
  /** How the views are augmented (default MoCo-v2's). */
  views?: AugmentRecipe;
  /** This replica's shard of every batch (default: the whole batch). */
  shard?: { rank: number; worldSize: number };
}

/** Images of each batch this replica trains. */
export function shardSize(options: Pick<PlanOptions, 'batchSize' | 'shard'>): number {
  return options.batchSize / (options.shard?.worldSize ?? 1);
}

export class PlanError extends Error {
  override name = 'PlanError';
}

/** The image order of epoch `epoch`: a permutation of 0…n−1. */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  const rng = new InitRng(mixSeed([seed, epoch, 0x504c414e], 0x243f6a88)); // 'PLAN'
  return randomPermutation(n, () => rng.uniform(), Uint32Array);
}

export function stepsPerEpoch(options: Pick<PlanOptions, 'images' | 'batchSize'>): number {
  return Math.floor(options.images / options.batchSize);
}

export function checkPlan(options: PlanOptions): void {
  const w = options.shard?.worldSize ?? 1;
  if (options.batchSize % w !== 0) throw new PlanError(`trainer.batch-size ${options.batchSize} does not split into ${w} equal shards (trainer.world-size ${w})`);
  if (options.images > options.datasetSize) throw new PlanError(`plan draws from ${options.images} images but the dataset has ${options.datasetSize}`);
  if (stepsPerEpoch(options) < 1) {
    throw new PlanError(`${options.images} images make no batch of ${options.batchSize} (the last partial batch is dropped): lower trainer.batch-size or add images`);
  }
}

/** Batches `fromStep`… of epoch `epoch`, in training order. */
export function planEpoch(options: PlanOptions, epoch: number, fromStep = 0): PlannedBatch<PlanSpec>[] {
  checkPlan(options);
  const order = epochPermutation(options.seed, epoch, options.images);
  const params = toWireParams(recipeParams(options.views ?? MOCO_V2_RECIPE, options.size));
  const out: PlannedBatch<PlanSpec>[] = [];
  const shard = shardSize(options);
  const offset = (options.shard?.rank ?? 0) * shard;
  for (let step = fromStep; step < stepsPerEpoch(options); step++) {
    const first = step * options.batchSize + offset;
    const indices = Array.from(order.subarray(first, first + shard));
    out.push({
      id: { run: options.run, epoch, step },
      spec: { indices, runSeed: options.seed, size: options.size, params, datasetSize: options.datasetSize },
    });
  }
  return out;
}
