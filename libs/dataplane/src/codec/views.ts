/**
 * View chunks: uint8 NHWC pixels of whole images of one view of one batch. Encoding slices the
 * caller's bytes (no copy); decoding checks every field and returns the received Buffer as is.
 */
import type { RejectedImage, RejectedImage__Output, ViewChunk, ViewChunk__Output } from '../proto/types.ts';
import { batchKey, checkBatchId, checkLeaseId, toWireBatchId, type BatchKeyed } from './batch_id.ts';
import { InvalidFieldError, LimitExceededError } from './errors.ts';
import type { WireLimits } from './limits.ts';

export const CHANNELS = 3;
export type ViewNumber = 1 | 2;

export interface RejectedImageInfo {
  position: number;
  index: number;
  replacementIndex: number;
  reason: string;
  detail: string;
}

/** Consecutive images [offset, offset + count) of one view. */
export interface ViewBlock {
  batch: BatchKeyed;
  leaseId: string;
  view: ViewNumber;
  batchSize: number;
  offset: number;
  count: number;
  height: number;
  width: number;
  /** count·height·width·3 bytes, NHWC. */
  data: Uint8Array;
  rejected?: readonly RejectedImageInfo[];
}

/** A received, validated view chunk. */
export interface ViewChunkData extends ViewBlock {
  key: string;
  data: Buffer;
  rejected: RejectedImageInfo[];
}

function asBuffer(data: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(data.buffer, data.byteOffset + start, end - start);
}

/**
 * Cuts a block into chunks of whole images, each at most `chunkBytes` of pixels. Throws if one
 * image alone is larger than `chunkBytes`.
 */
export function chunkViews(block: ViewBlock, chunkBytes: number): ViewChunk[] {
  const imageBytes = block.height * block.width * CHANNELS;
  if (block.data.byteLength !== block.count * imageBytes) {
    throw new InvalidFieldError('data', `${block.data.byteLength} bytes for ${block.count} images of ${block.height}×${block.width}×3 (want ${block.count * imageBytes})`);
  }
  const perChunk = Math.floor(chunkBytes / imageBytes);
  if (perChunk < 1) throw new LimitExceededError('data', imageBytes, chunkBytes, 'chunk size');
  const chunks: ViewChunk[] = [];
  for (let i = 0; i < block.count; i += perChunk) {
    const n = Math.min(perChunk, block.count - i);
    const first = block.offset + i;
    const rejected: RejectedImage[] = (block.rejected ?? []).filter((r) => r.position >= first && r.position < first + n);
    chunks.push({
      batch: toWireBatchId(block.batch),
      leaseId: block.leaseId,
      view: block.view,
      batchSize: block.batchSize,
      offset: first,
      shape: [n, block.height, block.width, CHANNELS],
      dtype: 'DTYPE_UINT8',
      data: asBuffer(block.data, i * imageBytes, (i + n) * imageBytes),
      rejected,
    });
  }
  return chunks;
}

export function checkView(view: number, field = 'view'): ViewNumber {
  if (view !== 1 && view !== 2) throw new InvalidFieldError(field, `${view} is not 1 or 2`);
  return view;
}

export function checkBatchSize(batchSize: number, limits: WireLimits, field = 'batch_size'): number {
  if (batchSize < 1) throw new InvalidFieldError(field, 'must be at least 1');
  if (batchSize > limits.maxBatchSize) throw new LimitExceededError(field, batchSize, limits.maxBatchSize, 'batch size limit');
  return batchSize;
}

/** Checks `offset` and the image count against the batch size. */
export function checkRange(offset: number, count: number, batchSize: number): void {
  if (count < 1) throw new InvalidFieldError('shape[0]', 'a chunk needs at least one row');
  if (offset + count > batchSize) {
    throw new InvalidFieldError('offset', `rows [${offset}, ${offset + count}) run past batch_size ${batchSize}`);
  }
}

function checkRejected(list: RejectedImage__Output[], offset: number, count: number): RejectedImageInfo[] {
  return list.map((r, i) => {
    if (r.position < offset || r.position >= offset + count) {
      throw new InvalidFieldError(`rejected[${i}].position`, `${r.position} is outside this chunk's images [${offset}, ${offset + count})`);
    }
    return { position: r.position, index: r.index, replacementIndex: r.replacementIndex, reason: r.reason, detail: r.detail };
  });
}

/** Validates a received view chunk: every failure names its field. */
export function decodeViewChunk(msg: ViewChunk__Output, limits: WireLimits): ViewChunkData {
  const batch = checkBatchId(msg.batch);
  const leaseId = checkLeaseId(msg.leaseId);
  const view = checkView(msg.view);
  const batchSize = checkBatchSize(msg.batchSize, limits);
  if (msg.dtype !== 'DTYPE_UINT8') throw new InvalidFieldError('dtype', `${msg.dtype} for views (want DTYPE_UINT8)`);
  if (msg.data.byteLength > limits.maxChunkBytes) {
    throw new LimitExceededError('data', msg.data.byteLength, limits.maxChunkBytes, 'chunk size limit (bytes)');
  }
  const shape = msg.shape;
  if (shape.length !== 4) throw new InvalidFieldError('shape', `[${shape.join(', ')}] is not [n, height, width, 3]`);
  const [count, height, width, channels] = shape;
  if (channels !== CHANNELS) throw new InvalidFieldError('shape[3]', `${channels} channels (want 3, RGB)`);
  for (const [i, side] of [[1, height], [2, width]] as const) {
    if (side < 1) throw new InvalidFieldError(`shape[${i}]`, 'must be at least 1');
    if (side > limits.maxSide) throw new LimitExceededError(`shape[${i}]`, side, limits.maxSide, 'side limit (px)');
  }
  checkRange(msg.offset, count, batchSize);
  const want = count * height * width * CHANNELS;
  if (msg.data.byteLength !== want) {
    throw new InvalidFieldError('data', `${msg.data.byteLength} bytes for shape [${shape.join(', ')}] (want ${want})`);
  }
  const rejected = checkRejected(msg.rejected, msg.offset, count);
  return { batch, key: batchKey(batch), leaseId, view, batchSize, offset: msg.offset, count, height, width, data: msg.data, rejected };
}
