/**
 * Learning rate: baseLr scaled linearly by batch/256, then MoCo's cosine (`adjust_learning_rate`
 * with `--cos`: lr·½(1 + cos(π·epoch/epochs))), per epoch as the reference or per step.
 */
import type { AlgoConfig } from './config.ts';

/** lr for a step of `epoch` (0-based; fractional parts count only for `cosine-step`). */
export function learningRate(config: Pick<AlgoConfig, 'baseLr' | 'batchSize' | 'epochs' | 'lrSchedule'>, epoch: number): number {
  if (!Number.isFinite(epoch) || epoch < 0) throw new RangeError(`learningRate: epoch ${epoch} must be a finite number ≥ 0`);
  const lr = (config.baseLr * config.batchSize) / 256;
  if (config.lrSchedule === 'constant') return lr;
  const e = config.lrSchedule === 'cosine-epoch' ? Math.floor(epoch) : epoch;
  return lr * 0.5 * (1 + Math.cos((Math.PI * e) / config.epochs));
}
