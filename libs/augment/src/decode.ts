/**
 * Decodes any ImageSource to sRGB RGB uint8 once, or rejects it with an ImageRejectedError
 * naming the file and a RejectReason. sharp/libvips does the work: EXIF orientation applied,
 * CMYK and embedded ICC profiles converted to sRGB, 16-bit reduced to 8, palettes expanded,
 * grey copied to 3 channels, alpha dropped (as PIL's convert("RGB"), which torchvision uses),
 * the pixel limit checked from the header before any pixel is decoded.
 */
import sharp, { type OutputInfo } from 'sharp';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './config.ts';
import { ImageRejectedError, type RejectReason } from './errors.ts';
import type { DecodedImage, EncodedImage, ImageSource, PixelImage } from './image-source.ts';

let sharpReady = false;

/** The operation cache only holds memory here: every image is decoded once per pair. */
function initSharp(): void {
  if (sharpReady) return;
  sharp.cache(false);
  sharpReady = true;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function startsWith(bytes: Uint8Array, prefix: number[], at = 0): boolean {
  return at >= 0 && bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
}

/** A PNG without its IEND chunk or a JPEG without its EOI marker was cut short. */
function looksTruncated(bytes: Uint8Array): boolean {
  if (startsWith(bytes, PNG_SIGNATURE)) return !startsWith(bytes, PNG_IEND, bytes.length - 8);
  if (startsWith(bytes, [0xff, 0xd8])) return !startsWith(bytes, [0xff, 0xd9], bytes.length - 2);
  return false;
}

/** SVG and other text: libvips would render it; we only take raster images. */
function looksLikeText(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0d))) i++;
  return bytes[i] === 0x3c; // '<'
}

function classify(message: string, bytes: Uint8Array): RejectReason {
  if (/unsupported image format/i.test(message)) return 'unsupported_format';
  if (/pixel limit/i.test(message)) return 'too_many_pixels';
  if (/premature end|truncat|unexpected end/i.test(message) || looksTruncated(bytes)) return 'truncated';
  return 'corrupt';
}

function checkSize(name: string, width: number, height: number, limits: DecodeLimits): void {
  if (width * height > limits.maxPixels) {
    throw new ImageRejectedError(name, 'too_many_pixels', `${width}x${height} exceeds ${limits.maxPixels} pixels`);
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new ImageRejectedError(name, 'too_small', `${width}x${height} has a side below ${limits.minSide}`);
  }
}

async function decodeEncoded(source: EncodedImage, limits: DecodeLimits): Promise<DecodedImage> {
  const { name, bytes } = source;
  if (bytes.length === 0) throw new ImageRejectedError(name, 'empty', 'zero bytes');
  if (looksLikeText(bytes)) throw new ImageRejectedError(name, 'unsupported_format', 'text or SVG, not a raster image');
  initSharp();
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(bytes, { autoOrient: true, limitInputPixels: limits.maxPixels, failOn: 'truncated' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ImageRejectedError(name, classify(message, bytes), message.split('\n')[0]);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3) throw new ImageRejectedError(name, 'corrupt', `decoded to ${channels} channels, expected 3`);
  checkSize(name, width, height, limits);
  return { width, height, pixels: out.data };
}

function fromPixels(source: PixelImage, limits: DecodeLimits): DecodedImage {
  const { name, width, height, channels, pixels } = source;
  if (pixels.length !== width * height * channels) {
    throw new ImageRejectedError(name, 'corrupt', `${pixels.length} bytes for ${width}x${height}x${channels}`);
  }
  checkSize(name, width, height, limits);
  if (channels === 3) return { width, height, pixels };
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < pixels.length; i++, o += 3) rgb[o] = rgb[o + 1] = rgb[o + 2] = pixels[i];
  return { width, height, pixels: rgb };
}

/** The image as sRGB RGB uint8, or an ImageRejectedError. */
export async function decodeImage(source: ImageSource, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<DecodedImage> {
  return source.kind === 'encoded' ? decodeEncoded(source, limits) : fromPixels(source, limits);
}
