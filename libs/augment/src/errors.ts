/**
 * Typed errors of libs/augment. `ImageRejectedError` is the per-image one: it names the file
 * and a `RejectReason`, a small fixed set meant to be a metric label
 * (`disco_augment_images_rejected_total{reason}`); everything else is a caller's mistake.
 */

/** Why an image was rejected; low-cardinality, snake_case, stable (metric label values). */
export const REJECT_REASONS = [
  'empty', // zero bytes
  'truncated', // the encoded data ends early
  'unsupported_format', // not an image format we decode (text, archive, ...)
  'corrupt', // a known format whose data does not decode
  'too_many_pixels', // width x height above DecodeLimits.maxPixels (decompression bombs)
  'too_small', // a side below DecodeLimits.minSide
  'unreadable', // the file could not be read (missing, permissions, I/O)
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export class ImageRejectedError extends Error {
  override name = 'ImageRejectedError';
  constructor(
    /** The dataset's name for the image (a path, or `file#index` for IDX). */
    readonly file: string,
    readonly reason: RejectReason,
    /** What the decoder said, for logs (not a metric label). */
    readonly detail: string,
  ) {
    super(`image ${file} rejected (${reason}): ${detail}`);
  }
}

/** An invalid AugmentParams / DecodeLimits / spec value; the message names the field. */
export class AugmentConfigError extends Error {
  override name = 'AugmentConfigError';
}

/** A dataset that cannot be opened or is malformed as a whole (bad IDX header, bad manifest line). */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** A batch that cannot be filled: every replacement tried was rejected too. */
export class UnfillableBatchError extends Error {
  override name = 'UnfillableBatchError';
}
