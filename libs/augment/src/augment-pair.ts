/**
 * One image -> its two MoCo-v2 views. The image is decoded once; each view's parameters come
 * from its own PRNG stream (runSeed, epoch, index, view), so the same spec gives the same
 * bytes in any process. Views are uint8 HWC, size x size x 3, not normalised.
 */
import { MOCO_V2_AUGMENT, DEFAULT_DECODE_LIMITS, type AugmentParams, type DecodeLimits } from './config.ts';
import { decodeImage } from './decode.ts';
import { AugmentConfigError } from './errors.ts';
import type { DecodedImage, ImageSource } from './image-source.ts';
import { viewRng } from './prng.ts';
import { renderViews, type StageTimer } from './render-view.ts';
import { sampleViewParams, type ViewParams } from './sample-view.ts';

export const MAX_VIEW_SIZE = 4096;

export interface PairSpec {
  /** The run's seed (a non-negative safe integer). */
  readonly runSeed: number;
  readonly epoch: number;
  /** The image's index in the dataset: with runSeed and epoch, it keys the PRNG. */
  readonly index: number;
  /** Output side in pixels (views are size x size). */
  readonly size: number;
  /** Default MOCO_V2_AUGMENT; build others with augmentParams(). */
  readonly params?: AugmentParams;
  /** Default DEFAULT_DECODE_LIMITS; build others with decodeLimits(). */
  readonly limits?: DecodeLimits;
  /** Replacement attempt: 0 for the image in its own slot, a > 0 when it stands in for a rejected one. */
  readonly attempt?: number;
}

export interface ViewPair {
  readonly size: number;
  readonly view1: Uint8Array;
  readonly view2: Uint8Array;
  /** What was drawn for each view (for logs and tests). */
  readonly params: readonly [ViewParams, ViewParams];
}

export function checkViewSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_VIEW_SIZE) {
    throw new AugmentConfigError(`size must be an integer in [1, ${MAX_VIEW_SIZE}], got ${size}`);
  }
}

/** Both views' parameters for a width x height image: pure, fast, no pixels. */
export function samplePairParams(spec: PairSpec, width: number, height: number): [ViewParams, ViewParams] {
  const params = spec.params ?? MOCO_V2_AUGMENT;
  const draw = (view: number) => sampleViewParams(viewRng(spec.runSeed, spec.epoch, spec.index, view, spec.attempt ?? 0), width, height, params);
  return [draw(0), draw(1)];
}

/** Renders both views of an already decoded image, optionally into caller-owned buffers. */
export function renderPair(image: DecodedImage, spec: PairSpec, into: Uint8Array[] = [], timer?: StageTimer): ViewPair {
  checkViewSize(spec.size);
  const params = samplePairParams(spec, image.width, image.height);
  const [view1, view2] = renderViews(image, params, spec.size, into, timer);
  return { size: spec.size, view1, view2, params };
}

/** Decodes `source` once and renders its two views; rejects with ImageRejectedError on bad input. */
export async function augmentPair(source: ImageSource, spec: PairSpec): Promise<ViewPair> {
  checkViewSize(spec.size);
  const image = await decodeImage(source, spec.limits ?? DEFAULT_DECODE_LIMITS);
  return renderPair(image, spec);
}
