/**
 * The two views of one batch arriving in chunks on one call: each chunk is copied in place at its
 * offset, chunks must agree on batch id, lease, batch size and image size, and no image may
 * arrive twice. Used by the teacher (per Embed call) and by the trainer's join.
 */
import type { BatchKeyed } from '../codec/batch_id.ts';
import { DuplicateChunkError, InvalidFieldError, LimitExceededError } from '../codec/errors.ts';
import type { RejectedImageInfo, ViewChunkData, ViewNumber } from '../codec/views.ts';
import type { BufferPool } from './buffer_pool.ts';

/** Which rows of a batch have arrived. */
export class Coverage {
  private readonly seen: Uint8Array;
  filled = 0;
  constructor(readonly size: number) {
    this.seen = new Uint8Array(size);
  }
  /** Marks [offset, offset + count); false (and nothing marked) if any of it was marked. */
  mark(offset: number, count: number): boolean {
    for (let i = offset; i < offset + count; i++) if (this.seen[i]) return false;
    this.seen.fill(1, offset, offset + count);
    this.filled += count;
    return true;
  }
  get complete(): boolean {
    return this.filled === this.size;
  }
}

/** The identity every chunk of one call must share. */
export interface CallIdentity {
  id: BatchKeyed;
  key: string;
  leaseId: string;
  batchSize: number;
}

export function checkSameCall(call: CallIdentity, chunk: { key: string; leaseId: string; batchSize: number }): void {
  if (chunk.key !== call.key) throw new InvalidFieldError('batch', `${chunk.key} in a call for batch ${call.key}: one batch per call`);
  if (chunk.leaseId !== call.leaseId) throw new InvalidFieldError('lease_id', `'${chunk.leaseId}' in a call under lease '${call.leaseId}'`);
  if (chunk.batchSize !== call.batchSize) throw new InvalidFieldError('batch_size', `${chunk.batchSize} after earlier chunks said ${call.batchSize}`);
}

export class ViewCollector {
  height = 0;
  width = 0;
  /** Bytes allocated so far. */
  bytes = 0;
  readonly rejected: RejectedImageInfo[] = [];
  private readonly buffers: (Buffer | undefined)[] = [undefined, undefined];
  private readonly coverage: [Coverage, Coverage];

  constructor(readonly call: CallIdentity, private readonly maxBytes: number, private readonly pool?: BufferPool) {
    this.coverage = [new Coverage(call.batchSize), new Coverage(call.batchSize)];
  }

  /** Adds a chunk; returns true when this chunk completed its view. */
  add(chunk: ViewChunkData): boolean {
    checkSameCall(this.call, chunk);
    if (this.height === 0) {
      this.height = chunk.height;
      this.width = chunk.width;
    } else if (chunk.height !== this.height || chunk.width !== this.width) {
      throw new InvalidFieldError('shape', `${chunk.height}×${chunk.width} images after earlier chunks of ${this.height}×${this.width}`);
    }
    const v = chunk.view - 1;
    const imageBytes = this.height * this.width * 3;
    if (!this.buffers[v]) {
      const need = this.call.batchSize * imageBytes;
      if (this.bytes + need > this.maxBytes) throw new LimitExceededError('batch_size', this.bytes + need, this.maxBytes, 'per-batch memory limit (bytes)');
      this.bytes += need;
      this.buffers[v] = this.pool ? this.pool.take(need) : Buffer.allocUnsafe(need);
    }
    if (!this.coverage[v].mark(chunk.offset, chunk.count)) throw new DuplicateChunkError(this.call.key, chunk.view, chunk.offset, chunk.count);
    chunk.data.copy(this.buffers[v]!, chunk.offset * imageBytes);
    this.rejected.push(...chunk.rejected);
    return this.coverage[v].complete;
  }

  complete(view: ViewNumber): boolean {
    return this.coverage[view - 1].complete;
  }

  missing(view: ViewNumber): number {
    return this.call.batchSize - this.coverage[view - 1].filled;
  }

  /** A complete view's pixels, [N, H, W, 3]. */
  view(view: ViewNumber): Buffer {
    if (!this.complete(view)) throw new InvalidFieldError('batch', `${this.call.key}: view ${view} is missing ${this.missing(view)} images`);
    return this.buffers[view - 1]!;
  }

  /** Drops the pixels of a view (after use). */
  release(view: ViewNumber): void {
    this.buffers[view - 1] = undefined;
  }

  /** An abandoned delivery: its buffers never left this collector, so they go back to the pool. */
  recycle(): void {
    for (const b of this.buffers) if (b) this.pool?.give(b);
    this.buffers[0] = this.buffers[1] = undefined;
  }
}
