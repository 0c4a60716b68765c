/**
 * Hyperparameters of the two frozen-feature protocols, documented once, with one frozen
 * defaults object each, so the CLI, the trainer's online kNN and the reproduction agree on
 * them. Paper symbols kept: `k`, `T`.
 */
import { EvalInputError } from './errors.ts';
import { checkSeed } from './rng.ts';

export interface KnnConfig {
  /** Neighbours that vote (InstDisc / solo-learn: 200). Clamped to the bank size. */
  k: number;
  /** Temperature of the vote weights `exp(sim / T)` (InstDisc / solo-learn: 0.07–0.1; ours 0.1). */
  T: number;
  /**
   * Upper bound on the elements of one [rows, n_train] similarity chunk (default 2^24 = 64 MiB
   * of float32); the test set is cut into row chunks of `floor(maxChunkElements / n_train)`.
   */
  maxChunkElements: number;
  /** Number of classes; default 1 + the largest label seen. */
  numClasses?: number;
}

export const KNN_DEFAULTS: Readonly<KnnConfig> = Object.freeze({ k: 200, T: 0.1, maxChunkElements: 1 << 24 });

/** How features are transformed (with train-set statistics) before the linear layer. */
export type ProbePreprocess =
  /** per-dimension (x − mean) / std of the train features: a frozen BatchNorm without affine. */
  | 'standardize'
  /** each row scaled to unit L2 norm. */
  | 'l2'
  /** raw backbone features (MoCo's lincls). */
  | 'none';

export type ProbeSchedule = 'cosine' | 'step';

export interface LinearProbeConfig {
  /** Passes over the (labelled) train features. Paper: 100. */
  epochs: number;
  /**
   * Initial learning rate. The paper's 3.0 (MoCo: 30) is for raw ImageNet features at batch 256;
   * with standardised features a step that large diverges, and 0.1 converges on every set we
   * tried (see libs/eval/README.md).
   */
  lr: number;
  /** Examples per SGD step (the last step of an epoch takes the remainder). Paper: 256. */
  batchSize: number;
  /** SGD momentum (PyTorch form: v ← μ·v + g; w ← w − lr·v). Paper: 0.9. */
  momentum: number;
  /** `cosine`: lr·½(1+cos(π·step/steps)) per step; `step`: ×0.1 at 60 % and 80 % of the epochs (MoCo lincls). */
  schedule: ProbeSchedule;
  preprocess: ProbePreprocess;
  /** Seeds the initial weights (N(0, 0.01²), bias 0, as MoCo's lincls) and the per-epoch shuffles. */
  seed: number;
  /** Number of classes; default 1 + the largest label seen. */
  numClasses?: number;
}

export const LINEAR_PROBE_DEFAULTS: Readonly<LinearProbeConfig> = Object.freeze({
  epochs: 100,
  lr: 0.1,
  batchSize: 256,
  momentum: 0.9,
  schedule: 'cosine',
  preprocess: 'standardize',
  seed: 0,
});

function positiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new EvalInputError(`${name}=${v} must be a positive integer`);
}

function positive(v: number, name: string): void {
  if (!(Number.isFinite(v) && v > 0)) throw new EvalInputError(`${name}=${v} must be a finite number > 0`);
}

export function resolveKnnConfig(partial: Partial<KnnConfig> = {}): KnnConfig {
  const c = { ...KNN_DEFAULTS, ...partial };
  positiveInt(c.k, 'k');
  positive(c.T, 'T');
  positiveInt(c.maxChunkElements, 'maxChunkElements');
  if (c.numClasses !== undefined) positiveInt(c.numClasses, 'numClasses');
  return c;
}

export function resolveLinearProbeConfig(partial: Partial<LinearProbeConfig> = {}): LinearProbeConfig {
  const c = { ...LINEAR_PROBE_DEFAULTS, ...partial };
  positiveInt(c.epochs, 'epochs');
  positive(c.lr, 'lr');
  positiveInt(c.batchSize, 'batchSize');
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new EvalInputError(`momentum=${c.momentum} must be in [0, 1)`);
  if (c.schedule !== 'cosine' && c.schedule !== 'step') throw new EvalInputError(`schedule='${c.schedule}' is not cosine or step`);
  if (!['standardize', 'l2', 'none'].includes(c.preprocess)) {
    throw new EvalInputError(`preprocess='${c.preprocess}' is not standardize, l2 or none`);
  }
  checkSeed(c.seed);
  if (c.numClasses !== undefined) positiveInt(c.numClasses, 'numClasses');
  return c;
}
