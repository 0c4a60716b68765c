/**
 * `Coordinator.Deliver`: one call per batch. Each message is decoded and validated, the first
 * one is checked against the lease window (a done batch is answered DUPLICATE at once, an
 * unknown lease STALE, so the worker stops sending), then chunks go to the join. A batch that
 * another lease's delivery completes while this one is still sending is answered DUPLICATE at
 * the next chunk. The reply is sent as soon as the batch is complete; a call that half-closes
 * short of that is refused.
 */
import * as grpc from '@grpc/grpc-js';
import type { DeliverReply, Delivery__Output } from '../proto/types.ts';
import { InvalidFieldError, PreconditionError, UnknownBatchError } from '../codec/errors.ts';
import { decodeViewChunk, type ViewChunkData } from '../codec/views.ts';
import { decodeEmbeddingChunk, type EmbeddingChunkData } from '../codec/embeddings.ts';
import type { WireLimits } from '../codec/limits.ts';
import { toWireBatchId } from '../codec/batch_id.ts';
import { toServiceError } from '../status.ts';
import type { LeaseWindow } from '../lease/lease_window.ts';
import type { BatchJoin } from '../join/batch_join.ts';
import { toWireOutcome } from '../codec/deliver_outcome.ts';

export interface DeliverCounters {
  accepted: number;
  duplicate: number;
  stale: number;
  invalid: number;
}

export interface DeliverHandlerDeps {
  window: LeaseWindow<unknown>;
  join: BatchJoin;
  limits: WireLimits;
  /** The run's embedding size, when known: embeddings in another size are refused. */
  embeddingDim?: number;
  counters: DeliverCounters;
  onJoined: () => void;
}

type DeliverCall = grpc.ServerReadableStream<Delivery__Output, DeliverReply>;

export function decodeDelivery(msg: Delivery__Output, limits: WireLimits): ViewChunkData | EmbeddingChunkData {
  if (msg.kind === 'views' && msg.views) return decodeViewChunk(msg.views, limits);
  if (msg.kind === 'embeddings' && msg.embeddings) return decodeEmbeddingChunk(msg.embeddings, limits);
  throw new InvalidFieldError('kind', 'a delivery holds views or embeddings');
}

export function makeDeliverHandler(deps: DeliverHandlerDeps) {
  return (call: DeliverCall, callback: grpc.sendUnaryData<DeliverReply>): void => {
    let first: ViewChunkData | EmbeddingChunkData | undefined;
    let finished = false;
    const finish = (err: unknown, reply?: DeliverReply) => {
      if (finished) return;
      finished = true;
      call.removeAllListeners('data');
      if (first && !reply) deps.join.abandon(first.key, first.leaseId);
      if (err) {
        deps.counters.invalid++;
        callback(toServiceError(err));
      } else callback(null, reply);
    };
    call.on('data', (msg: Delivery__Output) => {
      try {
        const chunk = decodeDelivery(msg, deps.limits);
        if ('dim' in chunk && deps.embeddingDim !== undefined && chunk.dim !== deps.embeddingDim) {
          throw new PreconditionError('shape[1]', `embeddings of ${chunk.key} have ${chunk.dim} dimensions, the run's have ${deps.embeddingDim} (a teacher replica with another teacher.embed-dim?)`);
        }
        if (first && (chunk.key !== first.key || chunk.leaseId !== first.leaseId)) {
          // One batch per call: a chunk of another batch would sit in the join, unowned, until
          // that batch's lease changed (and block its real delivery under this lease).
          throw new InvalidFieldError('batch', `${chunk.key} under lease '${chunk.leaseId}' in a delivery of ${first.key} under '${first.leaseId}': one batch per call`);
        }
        const check = deps.window.check(chunk.key, chunk.leaseId);
        if (check === 'delivered' || check === 'consumed') {
          // Done already: at the first chunk, or mid-call when another lease's delivery completed
          // the batch meanwhile (this one's lease had expired). What this call sent is moot.
          if (first) deps.join.abandon(first.key, first.leaseId);
          deps.counters.duplicate++;
          finish(null, { batch: toWireBatchId(chunk.batch), outcome: 'DUPLICATE' });
          return;
        }
        if (!first) {
          first = chunk;
          if (check === 'unknown-batch') throw new UnknownBatchError(chunk.key);
          if (check === 'unknown-lease') {
            deps.counters.stale++;
            finish(null, { batch: toWireBatchId(chunk.batch), outcome: 'STALE' });
            return;
          }
        }
        const result = deps.join.accept(chunk);
        if (!result.complete) return;
        const outcome = deps.window.complete(result.batch.key, result.batch.leaseId);
        if (outcome !== 'accepted') deps.join.take(result.batch.key);
        deps.counters[outcome === 'accepted' ? 'accepted' : outcome]++;
        finish(null, { batch: toWireBatchId(result.batch.id), outcome: toWireOutcome(outcome) });
        if (outcome === 'accepted') deps.onJoined();
      } catch (err) {
        finish(err);
      }
    });
    call.on('end', () => {
      if (!first) finish(new InvalidFieldError('kind', 'a delivery with no messages'));
      else finish(new InvalidFieldError('batch', `${first.key} is incomplete at the end of the delivery (missing ${deps.join.missing(first.key, first.leaseId)})`));
    });
    const drop = () => {
      if (finished) return;
      finished = true;
      if (first) deps.join.abandon(first.key, first.leaseId);
    };
    call.on('cancelled', drop);
    call.on('error', drop);
  };
}
