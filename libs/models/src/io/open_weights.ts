/**
 * Opens any weight file disco reads, choosing the reader by content: a zip is a PyTorch
 * checkpoint, a pickle starting with torch's magic number a legacy (< 1.6) one, a folder or
 * `.json` a tfjs manifest; anything else must be safetensors.
 * Note: safetensors has no checksum, so flipped bits inside its tensor data go unnoticed;
 * PyTorch zip entries are CRC-checked on every read.
 */
import { statSync } from 'node:fs';
import { withByteSource } from './byte_source.ts';
import { WeightFileError } from './errors.ts';
import { openSafetensors } from './safetensors.ts';
import { openTfjsWeights } from './tfjs_weights.ts';
import { openTorchCheckpoint } from './torch_checkpoint.ts';
import { openLegacyTorchCheckpoint } from './torch_legacy.ts';
import type { WeightFile } from './weight_file.ts';

/** Protocol-2 pickle of torch's legacy magic number 0x1950a86a20f9469cfc6c (PyTorch < 1.6 files). */
const LEGACY_TORCH = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function openWeights(path: string): WeightFile {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new WeightFileError(path, `cannot open: ${(err as Error).message}`);
  }
  if (isDir || path.endsWith('.json')) return openTfjsWeights(path);
  const head = withByteSource(path, (src) => src.read(0, Math.min(src.size, LEGACY_TORCH.length), 'file signature'));
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return openTorchCheckpoint(path);
  if (head.length === LEGACY_TORCH.length && LEGACY_TORCH.every((b, i) => head[i] === b)) return openLegacyTorchCheckpoint(path);
  if (path.endsWith('.safetensors')) return openSafetensors(path);
  try {
    return openSafetensors(path);
  } catch (err) {
    if (!(err instanceof WeightFileError)) throw err;
    throw new WeightFileError(path, `unrecognised weight file: not a PyTorch checkpoint (zip or legacy), not a tfjs model.json, and ${err.reason}`);
  }
}

/** Opens `path`, runs `fn`, always closes. */
export function withWeights<T>(path: string, fn: (file: WeightFile) => T): T {
  const file = openWeights(path);
  try {
    return fn(file);
  } finally {
    file.close();
  }
}
