/**
 * One delivery of one batch being put together: both views' pixels (a ViewCollector) and both
 * views' teacher embeddings, each written in place at its offset, overlap refused.
 */
import type { BatchKeyed } from '../codec/batch_id.ts';
import { DuplicateChunkError, InvalidFieldError, LimitExceededError } from '../codec/errors.ts';
import type { EmbeddingChunkData } from '../codec/embeddings.ts';
import type { RejectedImageInfo, ViewChunkData } from '../codec/views.ts';
import { Coverage, ViewCollector, checkSameCall, type CallIdentity } from './view_collector.ts';
import type { BufferPool } from './buffer_pool.ts';

/** A complete batch: what the trainer trains on. */
export interface JoinedBatch {
  id: BatchKeyed;
  key: string;
  leaseId: string;
  batchSize: number;
  height: number;
  width: number;
  dim: number;
  /** View 1 and view 2 pixels, uint8 [N, H, W, 3] each. */
  views: [Buffer, Buffer];
  /** Teacher embeddings of view 1 and view 2, float32 [N, D] each (empty without a teacher). */
  embeddings: [Float32Array, Float32Array];
  /** Images replaced by the augment worker, by batch position. */
  rejected: RejectedImageInfo[];
}

export class BatchAssembly {
  private readonly views: ViewCollector;
  private dim = 0;
  private embeddingBytes = 0;
  private readonly embeddings: (Float32Array | undefined)[] = [undefined, undefined];
  private readonly embeddingCoverage: [Coverage, Coverage];

  /** `expectEmbeddings` false: a views-only batch (MoCo-v2 mode, no teacher). */
  constructor(readonly call: CallIdentity, private readonly maxBatchBytes: number, private readonly expectEmbeddings = true, pool?: BufferPool) {
    this.views = new ViewCollector(call, maxBatchBytes, pool);
    this.embeddingCoverage = [new Coverage(call.batchSize), new Coverage(call.batchSize)];
  }

  get key(): string {
    return this.call.key;
  }

  /** Bytes allocated so far. */
  get bytes(): number {
    return this.views.bytes + this.embeddingBytes;
  }

  addViews(chunk: ViewChunkData): void {
    this.views.add(chunk);
    if (this.bytes > this.maxBatchBytes) throw new LimitExceededError('batch_size', this.bytes, this.maxBatchBytes, 'per-batch memory limit (bytes)');
  }

  addEmbeddings(chunk: EmbeddingChunkData): void {
    checkSameCall(this.call, chunk);
    if (!this.expectEmbeddings) throw new InvalidFieldError('embeddings', 'this run has no teacher; deliver views only');
    if (this.dim === 0) this.dim = chunk.dim;
    else if (chunk.dim !== this.dim) throw new InvalidFieldError('shape[1]', `dimension ${chunk.dim} after earlier chunks of ${this.dim}`);
    const v = chunk.view - 1;
    if (!this.embeddings[v]) {
      const need = this.call.batchSize * this.dim * 4;
      if (this.bytes + need > this.maxBatchBytes) throw new LimitExceededError('batch_size', this.bytes + need, this.maxBatchBytes, 'per-batch memory limit (bytes)');
      this.embeddingBytes += need;
      this.embeddings[v] = new Float32Array(this.call.batchSize * this.dim);
    }
    if (!this.embeddingCoverage[v].mark(chunk.offset, chunk.count)) throw new DuplicateChunkError(this.key, chunk.view, chunk.offset, chunk.count);
    this.embeddings[v]!.set(chunk.data, chunk.offset * this.dim);
  }

  get complete(): boolean {
    return this.views.complete(1) && this.views.complete(2) && (!this.expectEmbeddings || this.embeddingCoverage.every((c) => c.complete));
  }

  /** What is still missing, for error messages. */
  missing(): string {
    const parts: string[] = [];
    for (const v of [1, 2] as const) if (!this.views.complete(v)) parts.push(`view ${v}: ${this.views.missing(v)} images`);
    if (this.expectEmbeddings) this.embeddingCoverage.forEach((c, i) => !c.complete && parts.push(`embeddings ${i + 1}: ${c.size - c.filled} rows`));
    return parts.join(', ') || 'nothing';
  }

  result(): JoinedBatch {
    if (!this.complete) throw new InvalidFieldError('batch', `${this.key} is incomplete (missing ${this.missing()})`);
    return {
      id: this.call.id,
      key: this.key,
      leaseId: this.call.leaseId,
      batchSize: this.call.batchSize,
      height: this.views.height,
      width: this.views.width,
      dim: this.dim,
      views: [this.views.view(1), this.views.view(2)],
      embeddings: [this.embeddings[0] ?? new Float32Array(0), this.embeddings[1] ?? new Float32Array(0)],
      rejected: [...this.views.rejected].sort((a, b) => a.position - b.position),
    };
  }

  /** This delivery was abandoned: its view buffers go back to the pool. */
  recycle(): void {
    this.views.recycle();
  }
}
