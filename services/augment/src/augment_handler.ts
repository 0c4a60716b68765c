/**
 * `Augment.Augment`: a spec in, its view chunks out (server stream), written with backpressure.
 * A cancelled call (client gone, deadline passed) aborts the augmentation and writes nothing more.
 * `Augment.Info`: what this worker reads.
 */
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import {
  UnavailableError,
  checkBatchSpec,
  failStream,
  writeMessage,
  type AugmentHandlers,
  type BatchSpec__Output,
  type ViewChunk,
  type WireLimits,
} from '@disco/dataplane';
import type { BatchAugmenter } from './batch_augmenter.ts';
import type { AugmentMetrics } from './metrics.ts';

export interface AugmentHandlerDeps {
  augmenter: BatchAugmenter;
  limits: WireLimits;
  metrics: AugmentMetrics;
  datasetDescription: string;
  isDraining: () => boolean;
}

export function makeAugmentHandlers(deps: AugmentHandlerDeps): AugmentHandlers {
  return {
    Augment: (call: grpc.ServerWritableStream<BatchSpec__Output, ViewChunk>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort(new Error('cancelled by the client')));
      const run = async () => {
        if (deps.isDraining()) throw new UnavailableError('augment worker is draining; retry on another replica');
        const spec = checkBatchSpec(call.request, deps.limits, deps.augmenter.datasetSize);
        deps.metrics.inflight.inc();
        try {
          const { chunks } = await deps.augmenter.run(spec, abort.signal);
          for (const chunk of chunks) {
            if (abort.signal.aborted) return;
            await writeMessage(call, chunk);
          }
        } finally {
          deps.metrics.inflight.dec();
        }
        deps.metrics.batches.inc({ outcome: 'served' });
        call.end();
      };
      run().catch((err: unknown) => {
        if (!abort.signal.aborted) failStream(call, err);
      });
    },
    Info: (_call, callback) => {
      callback(null, { datasetSize: deps.augmenter.datasetSize, dataset: deps.datasetDescription, sharpVersion: sharp.versions.sharp ?? '' });
    },
  };
}
