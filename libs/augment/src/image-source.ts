/**
 * What datasets hand to the augmenter: encoded bytes (JPEG, PNG, ...) or raw pixels (IDX),
 * each with a name for errors and logs. DecodedImage is what the kernels read.
 */

export interface EncodedImage {
  readonly kind: 'encoded';
  /** The dataset's name for the image: a path relative to the dataset root. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface PixelImage {
  readonly kind: 'pixels';
  /** The dataset's name for the image, e.g. `train-images-idx3-ubyte.gz#41`. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 3 = RGB, interleaved (HWC). */
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
}

export type ImageSource = EncodedImage | PixelImage;

/** sRGB, 8 bits, 3 channels, interleaved (HWC), EXIF orientation applied. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}
