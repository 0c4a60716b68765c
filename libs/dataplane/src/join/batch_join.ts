/**
 * The join across deliveries: routes each received chunk to its batch's assembly (one per
 * batch id and lease), refuses unknown batches, duplicates and more pending bytes than the
 * budget, and keeps complete batches until the trainer takes them.
 */
import { DuplicateBatchError, LimitExceededError, UnknownBatchError } from '../codec/errors.ts';
import type { EmbeddingChunkData } from '../codec/embeddings.ts';
import type { ViewChunkData } from '../codec/views.ts';
import { BatchAssembly, type JoinedBatch } from './batch_assembly.ts';
import type { BufferPool } from './buffer_pool.ts';

export interface BatchJoinOptions {
  /** Is this (batch, lease) one we expect deliveries for? */
  known: (key: string, leaseId: string) => boolean;
  /** Most bytes held by incomplete and untaken batches together. */
  maxPendingBytes: number;
  /** Most bytes of one batch. */
  maxBatchBytes: number;
  /** Whether batches carry teacher embeddings (default true; false in MoCo-v2 mode). */
  embeddings?: boolean;
  /** Where view buffers come from and where dead ones go (default: fresh allocations). */
  pool?: BufferPool;
}

export type JoinResult = { complete: false } | { complete: true; batch: JoinedBatch };

export class BatchJoin {
  private readonly partial = new Map<string, BatchAssembly>();
  private readonly done = new Map<string, JoinedBatch>();
  private readonly joined = new Set<string>();
  private pendingBytes = 0;

  constructor(private readonly options: BatchJoinOptions) {}

  accept(chunk: ViewChunkData | EmbeddingChunkData): JoinResult {
    if (this.joined.has(chunk.key)) throw new DuplicateBatchError(chunk.key);
    const slot = `${chunk.key}#${chunk.leaseId}`;
    let assembly = this.partial.get(slot);
    if (!assembly) {
      if (!this.options.known(chunk.key, chunk.leaseId)) throw new UnknownBatchError(chunk.key, `under lease '${chunk.leaseId}' is not expected`);
      assembly = new BatchAssembly({ id: chunk.batch, key: chunk.key, leaseId: chunk.leaseId, batchSize: chunk.batchSize }, this.options.maxBatchBytes, this.options.embeddings ?? true, this.options.pool);
      this.partial.set(slot, assembly);
    }
    const before = assembly.bytes;
    if ('height' in chunk) assembly.addViews(chunk);
    else assembly.addEmbeddings(chunk);
    this.pendingBytes += assembly.bytes - before;
    if (this.pendingBytes > this.options.maxPendingBytes) {
      const over = this.pendingBytes;
      this.abandon(chunk.key, chunk.leaseId);
      throw new LimitExceededError('batch', over, this.options.maxPendingBytes, 'pending-batch memory budget (bytes)');
    }
    if (!assembly.complete) return { complete: false };
    const batch = assembly.result();
    this.partial.delete(slot);
    // Other deliveries of the same batch (old leases) are now moot.
    for (const [other, a] of this.partial) {
      if (a.key === batch.key) {
        this.pendingBytes -= a.bytes;
        this.partial.delete(other);
        a.recycle();
      }
    }
    this.joined.add(batch.key);
    this.done.set(batch.key, batch);
    return { complete: true, batch };
  }

  /** A delivery ended without completing: free what it held. */
  abandon(key: string, leaseId: string): void {
    const slot = `${key}#${leaseId}`;
    const assembly = this.partial.get(slot);
    if (!assembly) return;
    this.pendingBytes -= assembly.bytes;
    this.partial.delete(slot);
    assembly.recycle();
  }

  /** What a partial delivery still lacks, for error messages. */
  missing(key: string, leaseId: string): string {
    return this.partial.get(`${key}#${leaseId}`)?.missing() ?? 'everything';
  }

  /** Removes and returns a complete batch. */
  take(key: string): JoinedBatch | undefined {
    const batch = this.done.get(key);
    if (!batch) return undefined;
    this.done.delete(key);
    this.pendingBytes -= batchBytes(batch);
    return batch;
  }

  /** Forget that `key` was joined (after the trainer is done with it and it cannot recur). */
  forget(key: string): void {
    this.joined.delete(key);
  }

  has(key: string): boolean {
    return this.done.has(key);
  }

  stats(): { partial: number; complete: number; pendingBytes: number } {
    return { partial: this.partial.size, complete: this.done.size, pendingBytes: this.pendingBytes };
  }
}

function batchBytes(batch: JoinedBatch): number {
  return batch.views[0].byteLength + batch.views[1].byteLength + batch.embeddings[0].byteLength + batch.embeddings[1].byteLength;
}
