/**
 * Turns a checked batch spec into view chunks. Batches are augmented one at a time per process
 * (each with `imagesInFlight` images in flight: sharp's pool does the rest), so concurrent
 * callers queue here instead of oversubscribing the cores; sending a finished batch overlaps
 * with augmenting the next.
 */
import { augmentBatch, type AugmentParams, type Dataset } from '@disco/augment';
import { chunkViews, fromWireParams, type CheckedSpec, type RejectedImageInfo, type ViewChunk } from '@disco/dataplane';
import { countRejected, observeOp, type AugmentMetrics } from './metrics.ts';

export interface AugmentedChunks {
  /** View 1 and view 2 chunks interleaved, offsets ascending. */
  chunks: ViewChunk[];
  rejected: RejectedImageInfo[];
}

export class BatchAugmenter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataset: Dataset,
    private readonly options: { imagesInFlight: number; chunkBytes: number; metrics: AugmentMetrics; defaultParams?: AugmentParams },
  ) {}

  get datasetSize(): number {
    return this.dataset.length;
  }

  /** Augments `spec` (after any batch ahead of it); rejects with the signal's reason when aborted. */
  run(spec: CheckedSpec, signal?: AbortSignal): Promise<AugmentedChunks> {
    const job = this.tail.then(() => this.augment(spec, signal));
    this.tail = job.catch(() => undefined);
    return job;
  }

  private async augment(spec: CheckedSpec, signal?: AbortSignal): Promise<AugmentedChunks> {
    signal?.throwIfAborted();
    const { metrics } = this.options;
    const params = spec.params ? fromWireParams(spec.params) : this.options.defaultParams;
    const t0 = performance.now();
    const batch = await augmentBatch(
      this.dataset,
      { runSeed: spec.runSeed, epoch: spec.id.epoch, indices: spec.indices, size: spec.size, params },
      { inFlight: this.options.imagesInFlight, signal, onReject: (r) => countRejected(metrics, r.error.reason) },
    );
    observeOp(metrics, 'augment_batch', (performance.now() - t0) / 1000);
    metrics.images.inc(batch.count);
    const rejected: RejectedImageInfo[] = batch.rejections.map((r) => ({
      position: r.slot,
      index: r.index,
      replacementIndex: batch.indices[r.slot],
      reason: r.error.reason,
      detail: r.error.message,
    }));
    const common = { batch: spec.id, leaseId: spec.leaseId, batchSize: batch.count, offset: 0, count: batch.count, height: spec.size, width: spec.size };
    const one = chunkViews({ ...common, view: 1, data: batch.views1, rejected }, this.options.chunkBytes);
    const two = chunkViews({ ...common, view: 2, data: batch.views2 }, this.options.chunkBytes);
    const chunks: ViewChunk[] = [];
    for (let i = 0; i < one.length; i++) chunks.push(one[i], two[i]);
    return { chunks, rejected };
  }
}
