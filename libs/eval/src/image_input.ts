/**
 * Labelled uint8 NHWC image batches (what the dataset readers and the wire carry) and their
 * conversion to a model input: float, 3 channels, optional bilinear resize, normalised with
 * a per-channel mean/std (ImageNet's by default).
 */
import * as tf from '@tensorflow/tfjs-core';
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

export interface ImageInputOptions {
  /** Per-channel mean of pixels scaled to [0, 1] (default ImageNet's). */
  mean?: readonly [number, number, number];
  /** Per-channel std of pixels scaled to [0, 1] (default ImageNet's). */
  std?: readonly [number, number, number];
  /**
   * Output size (square side or [height, width]); images of another size are resized
   * bilinearly with half-pixel centres (PyTorch `interpolate(align_corners=False)`, no
   * antialiasing: downscale large images with the augment library first). Default: unchanged.
   */
  size?: number | readonly [number, number];
}

export const IMAGENET_MEAN = Object.freeze([0.485, 0.456, 0.406] as const);
export const IMAGENET_STD = Object.freeze([0.229, 0.224, 0.225] as const);

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

/** uint8 NHWC bytes → normalised float model input [n, H, W, 3]. */
export function toModelInput(images: Uint8Array, shape: readonly [number, number, number, number], opts: ImageInputOptions = {}): tf.Tensor4D {
  const mean = opts.mean ?? IMAGENET_MEAN;
  const std = opts.std ?? IMAGENET_STD;
  if (std.some((s) => !(s > 0))) throw new EvalInputError(`std [${std}] must be positive`);
  const [n, h, w, c] = shape;
  const size = opts.size === undefined ? undefined : typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size;
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(Float32Array.from(images), [n, h, w, c]); // [n, h, w, c] in 0..255
    if (c === 1) x = tf.tile(x, [1, 1, 1, 3]); // [n, h, w, 3]
    if (size && (size[0] !== h || size[1] !== w)) {
      x = tf.image.resizeBilinear(x, [size[0], size[1]], false, true); // [n, H, W, 3]
    }
    const scaled = tf.div(x, 255); // [n, H, W, 3] in [0, 1]
    return tf.div(tf.sub(scaled, tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D; // [n, H, W, 3]
  });
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
