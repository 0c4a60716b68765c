/**
 * The data-plane half of the trainer: serves `Coordinator.Lease` and `Coordinator.Deliver` on a
 * lease window and a batch join, and hands complete batches out in plan order. The trainer
 * service adds the plan, the training loop and `Status`/`Stop`.
 */
import { batchKey } from '../codec/batch_id.ts';
import type { WireLimits } from '../codec/limits.ts';
import { LeaseWindow, type PlannedBatch } from '../lease/lease_window.ts';
import type { PlanSpec } from '../lease/plan_spec.ts';
import { BatchJoin } from '../join/batch_join.ts';
import { BufferPool } from '../join/buffer_pool.ts';
import type { JoinedBatch } from '../join/batch_assembly.ts';
import { LeaseSessions } from './lease_sessions.ts';
import { makeDeliverHandler, type DeliverCounters } from './deliver_handler.ts';
import type { Log } from '@disco/metrics';

export type { PlanSpec } from '../lease/plan_spec.ts';

export interface CoordinatorOptions {
  window: number;
  leaseMs: number;
  limits: WireLimits;
  /** Most bytes of joined and partial batches held at once (beyond `window` batches). */
  maxPendingBytes: number;
  /** Dataset length the plan is cut from; workers must agree. */
  datasetSize: number;
  /** Whether deliveries carry teacher embeddings (default true; false in MoCo-v2 mode). */
  embeddings?: boolean;
  /** The run's embedding size: a delivery in another one is refused (FAILED_PRECONDITION) and its batch leased again. */
  embeddingDim?: number;
  now?: () => number;
  log?: Log;
}

export class DataplaneCoordinator {
  readonly window: LeaseWindow<PlanSpec>;
  readonly join: BatchJoin;
  /** View buffers, reused across batches: give a batch's views back with `recycle` when done. */
  readonly pool: BufferPool;
  readonly sessions: LeaseSessions;
  readonly counters: DeliverCounters = { accepted: 0, duplicate: 0, stale: 0, invalid: 0 };
  private waiters: (() => void)[] = [];
  readonly handlers;

  constructor(readonly options: CoordinatorOptions) {
    this.window = new LeaseWindow<PlanSpec>({ window: options.window, leaseMs: options.leaseMs, now: options.now });
    // Two views per batch; the window's batches plus the one in training plus slack.
    this.pool = new BufferPool(2 * (options.window + 2));
    const maxBatchBytes = options.limits.maxBatchSize * (2 * options.limits.maxSide ** 2 * 3 + 2 * options.limits.maxEmbeddingDim * 4);
    this.join = new BatchJoin({
      known: (key, leaseId) => ['current', 'superseded'].includes(this.window.check(key, leaseId)),
      maxPendingBytes: options.maxPendingBytes,
      maxBatchBytes: Math.min(maxBatchBytes, options.maxPendingBytes),
      embeddings: options.embeddings,
      pool: this.pool,
    });
    this.sessions = new LeaseSessions(this.window, {
      datasetSize: options.datasetSize,
      now: options.now ?? Date.now,
      log: options.log,
    });
    this.handlers = {
      Lease: this.sessions.handler,
      Deliver: makeDeliverHandler({
        window: this.window,
        join: this.join,
        limits: options.limits,
        embeddingDim: options.embeddingDim,
        counters: this.counters,
        onJoined: () => this.wake(),
      }),
    };
  }

  /** Appends batches to the plan (training order) and offers them to waiting workers. */
  extend(batches: readonly PlannedBatch<PlanSpec>[]): void {
    this.window.extend(batches);
    this.sessions.pump();
  }

  /** The next batch in plan order, once joined. Rejects if `signal` aborts. */
  async next(signal?: AbortSignal): Promise<JoinedBatch> {
    for (;;) {
      signal?.throwIfAborted();
      const head = this.window.head();
      if (head) {
        const batch = this.join.take(batchKey(head.id));
        if (batch) return batch;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** The consumer is done with these view buffers (a taken batch's `views`, or their ArrayBuffers): reuse them. */
  recycle(buffers: readonly (ArrayBuffer | Uint8Array)[]): void {
    for (const b of buffers) this.pool.give(b);
  }

  /** The trainer is done with `key`: the window slides and more leases go out. */
  consumed(key: string): void {
    this.window.consume(key);
    this.join.forget(key);
    this.sessions.pump();
  }

  /** Ends every lease stream (workers reconnect to the next trainer) and stops timers. */
  close(): void {
    this.sessions.close();
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
