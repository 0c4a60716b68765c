/**
 * Labelled uint8 NHWC image batches (what the dataset readers and the wire carry); they become
 * model input through libs/models' `toModelInput`.
 */
import type { ModelInputOptions } from '@disco/models';
import { EvalInputError } from './errors.ts';

export interface LabelledImageBatch {
  /** uint8 pixels, NHWC, row-major. */
  images: Uint8Array;
  /** [n, height, width, channels]; channels 1 (grey, replicated to RGB) or 3. */
  shape: readonly [number, number, number, number];
  /** Class index per image. */
  labels: ArrayLike<number>;
}

/** Any sync or async sequence of labelled batches (e.g. a dataset reader's batches). */
export type LabelledImageSource = Iterable<LabelledImageBatch> | AsyncIterable<LabelledImageBatch>;

/** How the evaluation turns images into model input (libs/models' options). */
export type ImageInputOptions = ModelInputOptions;

/** Checks a batch's bytes, shape and labels against each other. */
export function checkImageBatch(batch: LabelledImageBatch, what = 'batch'): void {
  const { shape, images, labels } = batch;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new EvalInputError(`${what}: shape [${shape}] is not [n, height, width, channels] of positive integers`);
  }
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new EvalInputError(`${what}: ${c} channels; expected 1 (grey) or 3 (RGB)`);
  if (images.length !== n * h * w * c) {
    throw new EvalInputError(`${what}: ${images.length} bytes do not make shape [${shape}] (${n * h * w * c} bytes)`);
  }
  if (labels.length !== n) throw new EvalInputError(`${what}: ${labels.length} labels for ${n} images`);
}

/** Cuts in-memory arrays (e.g. a whole IDX file) into labelled batches of `batchSize`, without copying. */
export function* batchesFromArrays(
  images: Uint8Array,
  shape: readonly [number, number, number, number],
  labels: ArrayLike<number>,
  batchSize: number,
): Generator<LabelledImageBatch> {
  checkImageBatch({ images, shape, labels }, 'dataset');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EvalInputError(`batchSize=${batchSize} must be a positive integer`);
  const [n, h, w, c] = shape;
  const per = h * w * c;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    yield {
      images: images.subarray(s * per, e * per),
      shape: [e - s, h, w, c],
      labels: Array.prototype.slice.call(labels, s, e) as number[],
    };
  }
}

/** The images `indices` of a dataset held in memory, as one batch (a copy), e.g. a small fixed set for the online kNN. */
export function selectImages(dataset: LabelledImageBatch, indices: ArrayLike<number>): LabelledImageBatch {
  checkImageBatch(dataset, 'dataset');
  const [n, h, w, c] = dataset.shape;
  const per = h * w * c;
  const images = new Uint8Array(indices.length * per);
  const labels: number[] = [];
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new EvalInputError(`selectImages: index ${i} is outside [0, ${n})`);
    images.set(dataset.images.subarray(i * per, (i + 1) * per), r * per);
    labels.push(dataset.labels[i]);
  }
  return { images, shape: [indices.length, h, w, c], labels };
}
