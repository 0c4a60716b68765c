/**
 * What every model here takes as input, and how uint8 pixels become it: float NHWC with 3
 * channels (grey replicated), optionally resized bilinearly, normalised per channel as
 * (x / 255 − mean) / std with ImageNet's mean and std by default. The trainer's engine, the
 * teacher, the evaluation and the ONNX export (which does the same in its graph) all use this.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Rgb = readonly [number, number, number];

export const IMAGENET_MEAN: Rgb = Object.freeze([0.485, 0.456, 0.406] as const);
export const IMAGENET_STD: Rgb = Object.freeze([0.229, 0.224, 0.225] as const);

export interface ModelInputOptions {
  /** Per-channel mean of pixels scaled to [0, 1] (default ImageNet's). */
  mean?: Rgb;
  /** Per-channel std of pixels scaled to [0, 1] (default ImageNet's). */
  std?: Rgb;
  /**
   * Output size (square side or [height, width]); images of another size are resized
   * bilinearly with half-pixel centres (PyTorch `interpolate(align_corners=False)`, no
   * antialiasing: downscale large images with the augment library first). Default: unchanged.
   */
  size?: number | readonly [number, number];
}

export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

/** Throws ModelInputError unless every std is positive. */
export function checkNormalization(std: Rgb, what = 'std'): void {
  if (std.some((s) => !(s > 0))) throw new ModelInputError(`${what} [${std}] must be positive`);
}

/** uint8 NHWC bytes → normalised float model input [n, H, W, 3]. */
export function toModelInput(images: Uint8Array, shape: readonly [number, number, number, number], opts: ModelInputOptions = {}): tf.Tensor4D {
  const mean = opts.mean ?? IMAGENET_MEAN;
  const std = opts.std ?? IMAGENET_STD;
  checkNormalization(std);
  const [n, h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new ModelInputError(`${c} channels; expected 1 (grey) or 3 (RGB)`);
  if (images.length !== n * h * w * c) throw new ModelInputError(`${images.length} bytes do not make shape [${shape}] (${n * h * w * c} bytes)`);
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
