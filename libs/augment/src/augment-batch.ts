/**
 * A batch of view pairs from a dataset, as the wire wants it: views1 and views2 as contiguous
 * [N, size, size, 3] uint8. Keeps `inFlight` images between read and render (2-4: the decodes
 * run on libuv's pool while the kernels run here). A rejected image is reported and replaced
 * (replacement.ts), so a batch always has exactly indices.length pairs. Every slot's bytes are
 * a function of (runSeed, epoch, its index) alone: splitting indices into several calls
 * (chunks), or any inFlight, gives the same bytes.
 */
import { DEFAULT_DECODE_LIMITS, MOCO_V2_AUGMENT, type AugmentParams, type DecodeLimits } from './config.ts';
import { checkViewSize, renderPair } from './augment-pair.ts';
import type { Dataset } from './datasets/dataset.ts';
import { decodeImage } from './decode.ts';
import { AugmentConfigError, UnfillableBatchError, ImageRejectedError } from './errors.ts';
import type { StageTimer } from './render-view.ts';
import { replacementIndex } from './replacement.ts';

export interface AugmentBatchSpec {
  readonly runSeed: number;
  readonly epoch: number;
  /** Dataset indices, one per slot (the trainer's plan). */
  readonly indices: readonly number[];
  readonly size: number;
  readonly params?: AugmentParams;
  readonly limits?: DecodeLimits;
}

export interface Rejection {
  readonly slot: number;
  /** The image that was rejected. */
  readonly index: number;
  /** 0 for the slot's own image, a for its a-th replacement. */
  readonly attempt: number;
  readonly error: ImageRejectedError;
}

export interface BatchOptions {
  /** Images between read and render at once (default 3). */
  readonly inFlight?: number;
  /** Give up on a slot after this many rejections (default 16). */
  readonly maxAttempts?: number;
  /** Called on every rejection (count it in a metric, log it). */
  readonly onReject?: (rejection: Rejection) => void;
  /** Called with each stage's time (a per-stage histogram): read and decode per image, kernels per view. */
  readonly timer?: StageTimer;
  readonly signal?: AbortSignal;
}

export interface AugmentedBatch {
  readonly size: number;
  readonly count: number;
  /** [count, size, size, 3] uint8: view 1 of every slot. */
  readonly views1: Uint8Array;
  /** [count, size, size, 3] uint8: view 2 of every slot. */
  readonly views2: Uint8Array;
  /** The image actually used per slot (differs from spec.indices where one was replaced). */
  readonly indices: Int32Array;
  /** Label per slot, -1 when the dataset has none. */
  readonly labels: Int32Array;
  readonly rejections: readonly Rejection[];
}

function checkIndices(indices: readonly number[], length: number): void {
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= length) throw new AugmentConfigError(`index ${i} is outside the dataset [0, ${length})`);
  }
}

export async function augmentBatch(dataset: Dataset, spec: AugmentBatchSpec, options: BatchOptions = {}): Promise<AugmentedBatch> {
  const { size, indices } = spec;
  checkViewSize(size);
  checkIndices(indices, dataset.length);
  const inFlight = options.inFlight ?? 3;
  const maxAttempts = options.maxAttempts ?? 16;
  if (!Number.isInteger(inFlight) || inFlight < 1) throw new AugmentConfigError(`inFlight must be a positive integer, got ${inFlight}`);
  const bytes = size * size * 3;
  const n = indices.length;
  const batch = {
    size, count: n, views1: new Uint8Array(n * bytes), views2: new Uint8Array(n * bytes),
    indices: new Int32Array(n), labels: new Int32Array(n).fill(-1), rejections: [] as Rejection[],
  };
  const params = spec.params ?? MOCO_V2_AUGMENT;
  const limits = spec.limits ?? DEFAULT_DECODE_LIMITS;

  async function fill(slot: number): Promise<void> {
    const own = indices[slot];
    for (let attempt = 0, index = own; attempt < maxAttempts; attempt++) {
      options.signal?.throwIfAborted();
      try {
        const { timer } = options;
        const t0 = timer ? performance.now() : 0;
        const item = await dataset.read(index);
        const t1 = timer ? performance.now() : 0;
        timer?.('read', (t1 - t0) / 1000);
        const image = await decodeImage(item, limits);
        timer?.('decode', (performance.now() - t1) / 1000);
        const into = [batch.views1.subarray(slot * bytes, (slot + 1) * bytes), batch.views2.subarray(slot * bytes, (slot + 1) * bytes)];
        renderPair(image, { runSeed: spec.runSeed, epoch: spec.epoch, index: own, size, params, attempt }, into, timer);
        batch.indices[slot] = index;
        batch.labels[slot] = item.label ?? -1;
        return;
      } catch (err) {
        if (!(err instanceof ImageRejectedError)) throw err;
        const rejection = { slot, index, attempt, error: err };
        batch.rejections.push(rejection);
        options.onReject?.(rejection);
        index = replacementIndex(spec.runSeed, spec.epoch, own, attempt + 1, dataset.length);
      }
    }
    throw new UnfillableBatchError(`slot ${slot} (image ${own}): ${maxAttempts} images in a row were rejected`);
  }

  let next = 0;
  let failed = false;
  const worker = async () => {
    try {
      while (next < n && !failed) await fill(next++);
    } catch (err) {
      failed = true; // the other workers stop taking slots
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, worker));
  batch.rejections.sort((a, b) => a.slot - b.slot || a.attempt - b.attempt);
  return batch;
}
