/**
 * Frozen-feature extraction: batches of labelled uint8 images go through an encoder's
 * `features` (backbone only, BatchNorm in eval mode by default) and come back as one
 * FeatureSet. No tensor outlives a batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOptions } from '@disco/models';
import { EvalInputError } from './errors.ts';
import { makeFeatureSet, type FeatureSet } from './feature_set.ts';
import { toModelInput } from '@disco/models';
import { checkImageBatch, type ImageInputOptions, type LabelledImageSource } from './image_input.ts';

/** Anything with an `Encoder`-shaped `features`: [n, H, W, 3] → [n, dim]. */
export interface FeatureEncoder {
  features(x: tf.Tensor, opts: ForwardOptions): tf.Tensor;
}

export interface ExtractOptions extends ImageInputOptions {
  /** Images per forward pass; larger source batches are cut (default 256). */
  batchSize?: number;
  /** BatchNorm mode of the forward pass (default `eval`: running statistics). */
  bn?: ForwardOptions['bn'];
  /** Called after each forward pass with the images done so far. */
  onProgress?: (done: number) => void;
}

/** Runs every image of `source` through `encoder.features` and gathers the features. */
export async function extractFeatures(encoder: FeatureEncoder, source: LabelledImageSource, opts: ExtractOptions = {}): Promise<FeatureSet> {
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EvalInputError(`batchSize=${batchSize} must be a positive integer`);
  const forward: ForwardOptions = { bn: opts.bn ?? 'eval' };
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  let dim = -1;
  let batchNo = 0;
  for await (const batch of source) {
    checkImageBatch(batch, `batch ${batchNo}`);
    const [n, h, w, c] = batch.shape;
    const per = h * w * c;
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const f = tf.tidy(() => encoder.features(toModelInput(batch.images.subarray(s * per, e * per), [e - s, h, w, c], opts), forward)); // [m, dim]
      try {
        if (f.rank !== 2 || f.shape[0] !== e - s) {
          throw new EvalInputError(`batch ${batchNo}: encoder.features gave shape [${f.shape}] for ${e - s} images; expected [${e - s}, dim]`);
        }
        const fdim = f.shape[1] as number;
        if (dim === -1) dim = fdim;
        else if (fdim !== dim) throw new EvalInputError(`batch ${batchNo}: feature dim ${fdim} differs from earlier ${dim}`);
        chunks.push((await f.data()) as Float32Array);
      } finally {
        f.dispose();
      }
      for (let i = s; i < e; i++) labels.push(batch.labels[i]);
      opts.onProgress?.(labels.length);
    }
    batchNo++;
  }
  if (dim === -1) throw new EvalInputError('extractFeatures: the source gave no images');
  const features = new Float32Array(labels.length * dim);
  let offset = 0;
  for (const ch of chunks) {
    features.set(ch, offset);
    offset += ch.length;
  }
  return makeFeatureSet(features, labels, dim, 'extracted features');
}
