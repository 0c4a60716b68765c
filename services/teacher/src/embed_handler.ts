/**
 * `Teacher.Embed`: one call = one batch. View chunks are validated and collected; when a view is
 * complete the input is paused, the view is embedded (whole, so batch-statistics BN sees the
 * batch) and its embedding chunks are written with backpressure, then input resumes. The call
 * ends OK once both views are embedded and the client has half-closed. A cancelled call (client
 * gone, deadline passed) frees its pixels and writes nothing more. Embeddings are checked before
 * they leave: a view with any NaN or ±Inf (broken weights, an overflowing forward) fails the
 * call with INTERNAL, naming the batch, view and first bad value, and is counted; nothing of it
 * is sent, so the worker retries the batch on another replica instead of training on garbage.
 */
import * as grpc from '@grpc/grpc-js';
import {
  ViewCollector,
  LimitExceededError,
  InvalidFieldError,
  UnavailableError,
  chunkEmbeddings,
  decodeViewChunk,
  failStream,
  writeMessage,
  type EmbeddingChunk,
  type ViewChunk__Output,
  type ViewNumber,
  type WireLimits,
} from '@disco/dataplane';
import type { TeacherModel } from './model.ts';
import type { TeacherMetrics } from './metrics.ts';

type EmbedCall = grpc.ServerDuplexStream<ViewChunk__Output, EmbeddingChunk>;

export interface EmbedDeps {
  model: TeacherModel;
  limits: WireLimits;
  chunkBytes: number;
  /** Most pixel bytes held by all calls together. */
  maxPendingBytes: number;
  metrics: TeacherMetrics;
  isDraining: () => boolean;
}

/** A view's embeddings hold NaN or ±Inf; they are not sent. */
export class NonFiniteEmbeddingError extends Error {
  override name = 'NonFiniteEmbeddingError';
  constructor(readonly batch: string, readonly view: ViewNumber, bad: number, first: { row: number; dim: number; value: number }, total: number) {
    super(
      `teacher embeddings of batch ${batch} view ${view} are not finite: ${bad} of ${total} values are NaN or infinite ` +
        `(first: row ${first.row}, dim ${first.dim} = ${first.value}); refusing to send them`,
    );
  }
}

/** Throws NonFiniteEmbeddingError if any value of `data` ([n, dim] row-major) is NaN or ±Inf. */
export function checkFiniteEmbeddings(data: Float32Array, dim: number, batch: string, view: ViewNumber): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) throw new NonFiniteEmbeddingError(batch, view, bad, { row: Math.floor(first / dim), dim: first % dim, value: data[first] }, data.length);
}

/** Serialises forwards: one view at a time through the model, in arrival order. */
class ForwardQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export function makeEmbedHandler(deps: EmbedDeps) {
  const queue = new ForwardQueue();
  let pendingBytes = 0;

  return (call: EmbedCall): void => {
    const t0 = process.hrtime.bigint();
    let collector: ViewCollector | undefined;
    let held = 0;
    let done = false;
    let halfClosed = false;
    let embedded = 0;
    let working = 0;
    deps.metrics.inflight.inc();

    const release = () => {
      pendingBytes -= held;
      held = 0;
    };
    const end = (outcome: 'ok' | 'invalid' | 'cancelled' | 'error', err?: unknown) => {
      if (done) return;
      done = true;
      release();
      deps.metrics.inflight.dec();
      deps.metrics.batches.inc({ outcome });
      if (outcome === 'ok') {
        deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
        call.end();
      } else if (err !== undefined) failStream(call, err);
    };
    const maybeFinish = () => {
      if (halfClosed && working === 0 && !done) {
        if (embedded === 2) end('ok');
        else {
          const missing = collector ? `view 1 lacks ${collector.missing(1)}, view 2 lacks ${collector.missing(2)} images` : 'no chunks';
          end('invalid', new InvalidFieldError('batch', `${collector?.call.key ?? '(none)'} incomplete at half-close: ${missing}`));
        }
      }
    };

    const embedView = async (c: ViewCollector, view: ViewNumber) => {
      const pixels = c.view(view);
      const n = c.call.batchSize;
      const data = await queue.run(async () => {
        if (done) return undefined;
        const stop = deps.metrics.forwardSeconds.startTimer({ bn_mode: deps.model.bnMode });
        const out = await deps.model.embed(pixels, n, c.height, c.width);
        stop();
        return out;
      });
      c.release(view);
      if (done || !data) return;
      try {
        checkFiniteEmbeddings(data, deps.model.embeddingDim, c.call.key, view); // [n, D]
      } catch (err) {
        deps.metrics.nonFiniteViews.inc();
        throw err;
      }
      deps.metrics.views.inc(n);
      const chunks = chunkEmbeddings(
        { batch: c.call.id, leaseId: c.call.leaseId, view, batchSize: n, offset: 0, count: n, dim: deps.model.embeddingDim, data },
        deps.chunkBytes,
      );
      for (const chunk of chunks) {
        if (done) return;
        await writeMessage(call, chunk);
      }
      embedded++;
    };

    call.on('data', (msg: ViewChunk__Output) => {
      if (done) return;
      try {
        if (deps.isDraining() && !collector) throw new UnavailableError('teacher is draining; retry on another replica');
        const chunk = decodeViewChunk(msg, deps.limits);
        if (!collector) {
          const need = 2 * chunk.batchSize * chunk.height * chunk.width * 3;
          if (pendingBytes + need > deps.maxPendingBytes) {
            throw new LimitExceededError('batch_size', pendingBytes + need, deps.maxPendingBytes, 'teacher pending-pixel budget (bytes)');
          }
          pendingBytes += need;
          held = need;
          collector = new ViewCollector({ id: chunk.batch, key: chunk.key, leaseId: chunk.leaseId, batchSize: chunk.batchSize }, need);
        }
        if (!collector.add(chunk)) return;
        working++;
        call.pause();
        const c = collector;
        embedView(c, chunk.view).then(
          () => {
            working--;
            if (!done) call.resume();
            maybeFinish();
          },
          (err: unknown) => {
            working--;
            end('error', err);
          },
        );
      } catch (err) {
        end('invalid', err);
      }
    });
    call.on('end', () => {
      halfClosed = true;
      maybeFinish();
    });
    call.on('cancelled', () => end('cancelled'));
    call.on('error', () => end('cancelled'));
  };
}
