/**
 * Embedding chunks: float32 little-endian rows [offset, offset + n) of one view of one batch.
 * Encoding wraps the caller's Float32Array (no copy); decoding returns a Float32Array view of the
 * received bytes when they are 4-byte aligned, a copy otherwise; every value must be finite.
 */
import { endianness } from 'node:os';
import type { EmbeddingChunk, EmbeddingChunk__Output } from '../proto/types.ts';
import { batchKey, checkBatchId, checkLeaseId, toWireBatchId, type BatchKeyed } from './batch_id.ts';
import { InvalidFieldError, LimitExceededError } from './errors.ts';
import type { WireLimits } from './limits.ts';
import { checkBatchSize, checkRange, checkView, type ViewNumber } from './views.ts';

if (endianness() !== 'LE') throw new Error('disco data plane: float32 embeddings are little-endian on the wire; this host is big-endian');

/** Rows [offset, offset + count) of one view's embeddings. */
export interface EmbeddingBlock {
  batch: BatchKeyed;
  leaseId: string;
  view: ViewNumber;
  batchSize: number;
  offset: number;
  count: number;
  dim: number;
  /** count·dim values, row-major. */
  data: Float32Array;
}

export interface EmbeddingChunkData extends EmbeddingBlock {
  key: string;
}

/** Cuts a block into chunks of whole rows, each at most `chunkBytes` of data. */
export function chunkEmbeddings(block: EmbeddingBlock, chunkBytes: number): EmbeddingChunk[] {
  if (block.data.length !== block.count * block.dim) {
    throw new InvalidFieldError('data', `${block.data.length} values for ${block.count} rows of ${block.dim}`);
  }
  const rowBytes = block.dim * 4;
  const perChunk = Math.floor(chunkBytes / rowBytes);
  if (perChunk < 1) throw new LimitExceededError('data', rowBytes, chunkBytes, 'chunk size');
  const chunks: EmbeddingChunk[] = [];
  for (let i = 0; i < block.count; i += perChunk) {
    const n = Math.min(perChunk, block.count - i);
    chunks.push({
      batch: toWireBatchId(block.batch),
      leaseId: block.leaseId,
      view: block.view,
      batchSize: block.batchSize,
      offset: block.offset + i,
      shape: [n, block.dim],
      dtype: 'DTYPE_FLOAT32',
      data: Buffer.from(block.data.buffer, block.data.byteOffset + i * rowBytes, n * rowBytes),
    });
  }
  return chunks;
}

function asFloat32(data: Buffer): Float32Array {
  if (data.byteOffset % 4 === 0) return new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const copy = new Float32Array(data.byteLength / 4);
  new Uint8Array(copy.buffer).set(data);
  return copy;
}

/** Validates a received embedding chunk: every failure names its field. */
export function decodeEmbeddingChunk(msg: EmbeddingChunk__Output, limits: WireLimits): EmbeddingChunkData {
  const batch = checkBatchId(msg.batch);
  const leaseId = checkLeaseId(msg.leaseId);
  const view = checkView(msg.view);
  const batchSize = checkBatchSize(msg.batchSize, limits);
  if (msg.dtype !== 'DTYPE_FLOAT32') throw new InvalidFieldError('dtype', `${msg.dtype} for embeddings (want DTYPE_FLOAT32)`);
  if (msg.data.byteLength > limits.maxChunkBytes) {
    throw new LimitExceededError('data', msg.data.byteLength, limits.maxChunkBytes, 'chunk size limit (bytes)');
  }
  if (msg.shape.length !== 2) throw new InvalidFieldError('shape', `[${msg.shape.join(', ')}] is not [n, dim]`);
  const [count, dim] = msg.shape;
  if (dim < 1) throw new InvalidFieldError('shape[1]', 'must be at least 1');
  if (dim > limits.maxEmbeddingDim) throw new LimitExceededError('shape[1]', dim, limits.maxEmbeddingDim, 'embedding dimension limit');
  checkRange(msg.offset, count, batchSize);
  const want = count * dim * 4;
  if (msg.data.byteLength !== want) {
    throw new InvalidFieldError('data', `${msg.data.byteLength} bytes for float32 shape [${msg.shape.join(', ')}] (want ${want})`);
  }
  const data = asFloat32(msg.data);
  checkFiniteRows(data, dim, msg.offset);
  return { batch, key: batchKey(batch), leaseId, view, batchSize, offset: msg.offset, count, dim, data };
}

/** NaN or ±Infinity in an embedding would poison the loss: refused, naming the row and column. */
function checkFiniteRows(data: Float32Array, dim: number, offset: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new InvalidFieldError('data', `embedding of batch position ${offset + Math.floor(i / dim)}, column ${i % dim} is ${data[i]} (must be finite)`);
    }
  }
}
