/**
 * One evaluation of frozen features: optional label-fraction split of the train set, then the
 * kNN classifier and the linear probe, summarised as a JSON-friendly `EvalResult`
 * (what `disco eval --json` prints).
 */
import type { KnnConfig, LinearProbeConfig } from './config.ts';
import { checkPair, subsetFeatures, type FeatureSet } from './feature_set.ts';
import { knnClassify, type KnnResult } from './knn.ts';
import { linearProbe, type LinearProbeResult } from './linear_probe.ts';
import { labelFractionSplit } from './splits.ts';

export interface EvalResult {
  /** null when the kNN was not run. Accuracies are fractions in [0, 1]. */
  knn: KnnResult | null;
  /** null when the probe was not run. */
  linear: LinearProbeResult | null;
  /** Labelled train rows used (after the label-fraction split). */
  n_train: number;
  n_test: number;
  feature_dim: number;
  num_classes: number;
  /** Fraction of train labels used (1 = all). */
  label_fraction: number;
  /** Seed of the label-fraction split (null when all labels were used). */
  split_seed: number | null;
}

export interface EvaluateOptions {
  /** kNN settings, or false to skip it. */
  knn?: Partial<KnnConfig> | false;
  /** Linear-probe settings, or false to skip it. */
  linear?: Partial<LinearProbeConfig> | false;
  /** Per-class fraction of train labels to use (default 1). */
  labelFraction?: number;
  /** Seed of the split (default 0). */
  splitSeed?: number;
  /** Number of classes (default 1 + the largest label of train and test). */
  numClasses?: number;
}

/** Runs the requested protocols on frozen train/test features. */
export async function evaluateFeatures(train: FeatureSet, test: FeatureSet, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const numClasses = checkPair(train, test, opts.numClasses);
  const fraction = opts.labelFraction ?? 1;
  const splitSeed = opts.splitSeed ?? 0;
  const labelled = fraction === 1 ? train : subsetFeatures(train, labelFractionSplit(train.labels, fraction, splitSeed).indices);
  let knn: KnnResult | null = null;
  if (opts.knn !== false) {
    const { top1, top5, k, T } = await knnClassify(labelled, test, { ...opts.knn, numClasses });
    knn = { top1, top5, k, T };
  }
  let linear: LinearProbeResult | null = null;
  if (opts.linear !== false) {
    const { predictions: _p, lossPerEpoch: _l, ...summary } = await linearProbe(labelled, test, { ...opts.linear, numClasses });
    linear = summary;
  }
  return {
    knn,
    linear,
    n_train: labelled.n,
    n_test: test.n,
    feature_dim: train.dim,
    num_classes: numClasses,
    label_fraction: fraction,
    split_seed: fraction === 1 ? null : splitSeed,
  };
}
