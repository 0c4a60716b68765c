/**
 * Online kNN during training: a cheap, label-aware progress signal (solo-learn and most SSL
 * libraries log one). The trainer keeps two small fixed labelled image sets in memory (e.g.
 * 100 train + 50 test images per class, drawn once with `labelFractionSplit` +
 * `selectImages`), and every N epochs embeds both with the current student backbone
 * (BatchNorm in eval mode, no gradient) and classifies the test set by weighted kNN.
 *
 * Usage in the trainer:
 *   const monitor = new OnlineKnn(trainImages, testImages, { size: 32 });
 *   if (OnlineKnn.due(epochsDone, cfg.knnEvery, cfg.epochs)) {
 *     const r = await monitor.evaluate(student);           // or (x) => student.features(x, { bn: 'eval' })
 *     knnGauge.set(r.top1); log(`epoch ${epochsDone} knn top1 ${(100 * r.top1).toFixed(2)}%`);
 *   }
 *
 * The default k is 20, not the offline 200: with a bank of ~100 images per class, 200
 * neighbours would reach well into other classes. Numbers from different bank sizes are not
 * comparable to the offline kNN; they track progress within one run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EvalInputError } from './errors.ts';
import { extractFeatures, type FeatureEncoder } from './extract.ts';
import { checkImageBatch, type ImageInputOptions, type LabelledImageBatch } from './image_input.ts';
import { knnClassify } from './knn.ts';

/** A backbone as a function: normalised images [n, H, W, 3] → features [n, dim]. */
export type FeatureFn = (x: tf.Tensor4D) => tf.Tensor;

export interface OnlineKnnOptions extends ImageInputOptions {
  /** Neighbours that vote (default 20). */
  k?: number;
  /** Vote temperature (default 0.1). */
  T?: number;
  /** Images per forward pass (default 256). */
  batchSize?: number;
}

export interface OnlineKnnResult {
  top1: number;
  top5: number;
  k: number;
  T: number;
  n_train: number;
  n_test: number;
  /** Wall time of the whole evaluation (both embeddings and the vote). */
  seconds: number;
}

export class OnlineKnn {
  private readonly opts: OnlineKnnOptions;

  constructor(private readonly train: LabelledImageBatch, private readonly test: LabelledImageBatch, opts: OnlineKnnOptions = {}) {
    checkImageBatch(train, 'online kNN train set');
    checkImageBatch(test, 'online kNN test set');
    this.opts = { k: 20, T: 0.1, batchSize: 256, ...opts };
  }

  /** True after `epochsDone` epochs when it is a multiple of `every` or the last epoch. */
  static due(epochsDone: number, every: number, totalEpochs: number): boolean {
    if (!Number.isInteger(every) || every < 1) throw new EvalInputError(`online kNN every=${every} must be a positive integer`);
    return epochsDone > 0 && (epochsDone % every === 0 || epochsDone === totalEpochs);
  }

  /** Embeds both sets with the current weights and returns the kNN accuracy. */
  async evaluate(model: FeatureEncoder | FeatureFn): Promise<OnlineKnnResult> {
    const t0 = performance.now();
    const encoder: FeatureEncoder = typeof model === 'function' ? { features: (x) => model(x as tf.Tensor4D) } : model;
    const extract = { ...this.opts, bn: 'eval' as const };
    const trainSet = await extractFeatures(encoder, [this.train], extract);
    const testSet = await extractFeatures(encoder, [this.test], extract);
    const r = await knnClassify(trainSet, testSet, { k: this.opts.k, T: this.opts.T });
    return { top1: r.top1, top5: r.top5, k: r.k, T: r.T, n_train: trainSet.n, n_test: testSet.n, seconds: (performance.now() - t0) / 1000 };
  }
}
