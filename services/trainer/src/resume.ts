/**
 * Where a run starts: from the latest valid checkpoint of its run directory (same training
 * identity required: seed, sizes, model, hyperparameters), or from scratch. The record is cut
 * back to the checkpoint's step count so that nothing is recorded twice.
 */
import { isDeepStrictEqual } from 'node:util';
import type { TrainEngine } from './engine/train_engine.ts';
import { trainingIdentity, type TrainerConfig } from './config.ts';
import type { CheckpointStore } from './checkpoint/checkpoint_store.ts';
import type { PlanPosition } from './checkpoint/checkpoint_file.ts';
import type { PlanOptions } from './plan.ts';
import type { Log } from '@disco/metrics';

export class ResumeError extends Error {
  override name = 'ResumeError';
}

export interface ResumePoint {
  position: PlanPosition;
  /** The checkpoint resumed from, if any. */
  path?: string;
}

function differences(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key];
    const y = b[key];
    if (x && y && typeof x === 'object' && typeof y === 'object') out.push(...differences(x as Record<string, unknown>, y as Record<string, unknown>, `${prefix}${key}.`));
    else if (!isDeepStrictEqual(x, y)) out.push(`${prefix}${key}: checkpoint ${JSON.stringify(x)}, now ${JSON.stringify(y)}`);
  }
  return out;
}

export async function resume(config: Readonly<TrainerConfig>, store: CheckpointStore, engine: TrainEngine, plan: PlanOptions, log: Log): Promise<ResumePoint> {
  const fresh: ResumePoint = { position: { epoch: 0, step: 0, globalStep: 0 } };
  if (!config.trainer.resume) {
    if (store.list().length > 0) {
      throw new ResumeError(`${store.dir} holds checkpoints but trainer.resume is false: pick another run name or run directory, or resume`);
    }
    return fresh;
  }
  const latest = store.latest();
  if (!latest) return fresh;
  const { meta, state } = latest.checkpoint;
  const problems = differences(trainingIdentity(meta.config), trainingIdentity(config));
  if (meta.datasetSize !== plan.datasetSize) problems.push(`dataset size: checkpoint ${meta.datasetSize}, now ${plan.datasetSize}`);
  if (meta.images !== plan.images) problems.push(`images in the plan: checkpoint ${meta.images}, now ${plan.images}`);
  if (problems.length) throw new ResumeError(`cannot resume from ${latest.path}, the run differs:\n  ${problems.join('\n  ')}`);
  const { step } = await engine.restore(state);
  if (step !== meta.position.globalStep) {
    throw new ResumeError(`${latest.path}: the algorithm state is at step ${step} but the plan position says ${meta.position.globalStep}`);
  }
  log(`resuming from ${latest.path}: epoch ${meta.position.epoch}, step ${meta.position.step} (global step ${meta.position.globalStep})`);
  return { position: meta.position, path: latest.path };
}
