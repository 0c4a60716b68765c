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

/** Bytes of pixels held by every call of one server (its admission budget). */
class PendingBudget {
  bytes = 0;
}

type CallOutcome = 'ok' | 'invalid' | 'cancelled' | 'error';

/**
 * One Embed call: collects the two views of one batch, embeds each as soon as it is complete
 * (one forward at a time across the server), streams its embeddings back, and ends exactly once
 * with an outcome. States: collecting (no chunk yet → first chunk admits the batch against the
 * budget) → views embedding (`working` > 0 pauses the stream) → ended (`done`).
 */
class EmbedCallState {
  private readonly t0 = process.hrtime.bigint();
  private collector: ViewCollector | undefined;
  /** Budget bytes this call holds (given back when it ends). */
  private held = 0;
  private done = false;
  private halfClosed = false;
  /** Views embedded and sent (2 = the batch is complete). */
  private embedded = 0;
  /** Views being embedded now. */
  private working = 0;

  constructor(
    private readonly call: EmbedCall,
    private readonly deps: EmbedDeps,
    private readonly queue: ForwardQueue,
    private readonly budget: PendingBudget,
  ) {
    deps.metrics.inflight.inc();
    call.on('data', (msg: ViewChunk__Output) => this.onChunk(msg));
    call.on('end', () => {
      this.halfClosed = true;
      this.maybeFinish();
    });
    call.on('cancelled', () => this.end('cancelled'));
    call.on('error', () => this.end('cancelled'));
  }

  private end(outcome: CallOutcome, err?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.budget.bytes -= this.held;
    this.held = 0;
    this.deps.metrics.inflight.dec();
    this.deps.metrics.batches.inc({ outcome });
    if (outcome === 'ok') {
      this.deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - this.t0) / 1e9);
      this.call.end();
    } else if (err !== undefined) failStream(this.call, err);
  }

  /** After half-close, once nothing is being embedded: ok if both views went back, else invalid. */
  private maybeFinish(): void {
    if (!this.halfClosed || this.working > 0 || this.done) return;
    if (this.embedded === 2) return this.end('ok');
    const c = this.collector;
    const missing = c ? `view 1 lacks ${c.missing(1)}, view 2 lacks ${c.missing(2)} images` : 'no chunks';
    this.end('invalid', new InvalidFieldError('batch', `${c?.call.key ?? '(none)'} incomplete at half-close: ${missing}`));
  }

  private onChunk(msg: ViewChunk__Output): void {
    if (this.done) return;
    try {
      if (this.deps.isDraining() && !this.collector) throw new UnavailableError('teacher is draining; retry on another replica');
      const chunk = decodeViewChunk(msg, this.deps.limits);
      if (!this.collector) this.collector = this.admit(chunk);
      if (!this.collector.add(chunk)) return;
      this.working++;
      this.call.pause();
      this.embedView(this.collector, chunk.view).then(
        () => {
          this.working--;
          if (!this.done) this.call.resume();
          this.maybeFinish();
        },
        (err: unknown) => {
          this.working--;
          this.end('error', err);
        },
      );
    } catch (err) {
      this.end('invalid', err);
    }
  }

  /** The first chunk names the batch: its two views' pixels must fit the server's budget. */
  private admit(chunk: ReturnType<typeof decodeViewChunk>): ViewCollector {
    const need = 2 * chunk.batchSize * chunk.height * chunk.width * 3;
    if (this.budget.bytes + need > this.deps.maxPendingBytes) {
      throw new LimitExceededError('batch_size', this.budget.bytes + need, this.deps.maxPendingBytes, 'teacher pending-pixel budget (bytes)');
    }
    this.budget.bytes += need;
    this.held = need;
    return new ViewCollector({ id: chunk.batch, key: chunk.key, leaseId: chunk.leaseId, batchSize: chunk.batchSize }, need);
  }

  /** One complete view: forward (in the server's queue), check, send its embedding chunks. */
  private async embedView(c: ViewCollector, view: ViewNumber): Promise<void> {
    const { deps } = this;
    const pixels = c.view(view);
    const n = c.call.batchSize;
    const data = await this.queue.run(async () => {
      if (this.done) return undefined;
      const stop = deps.metrics.forwardSeconds.startTimer({ bn_mode: deps.model.bnMode });
      const out = await deps.model.embed(pixels, n, c.height, c.width);
      stop();
      return out;
    });
    c.release(view);
    if (this.done || !data) return;
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
      if (this.done) return;
      await writeMessage(this.call, chunk);
    }
    this.embedded++;
  }
}

/** The Embed handler: one EmbedCallState per call; forwards and the pixel budget are shared by the server's calls. */
export function makeEmbedHandler(deps: EmbedDeps) {
  const queue = new ForwardQueue();
  const budget = new PendingBudget();
  return (call: EmbedCall): void => {
    new EmbedCallState(call, deps, queue, budget);
  };
}
