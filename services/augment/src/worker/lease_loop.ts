/**
 * The worker's side of `Coordinator.Lease`: hello, then one credit per free batch slot; each
 * spec received is checked and run, and its slot's credit is granted again when it is done (a
 * batch that failed, e.g. every teacher replica refused it, is given back for re-lease). A
 * broken stream is reopened with doubling backoff (the trainer may be restarting); credits are
 * re-granted for the free slots. `stop()` grants nothing more, lets running batches finish, then
 * half-closes the stream.
 *
 * The lease stream carries no deadline on purpose: it is a session, not a request; dead peers
 * are noticed by keepalive pings, and every batch call it triggers has its own deadline.
 */
import * as grpc from '@grpc/grpc-js';
import { checkBatchSpec, type BatchSpec__Output, type CheckedSpec, type CoordinatorClient, type LeaseRequest, type WireLimits } from '@disco/dataplane';
import type { Log } from '@disco/metrics';

export interface LeaseLoopOptions {
  client: CoordinatorClient;
  workerId: string;
  datasetSize: number;
  /** The teacher addresses this worker embeds with, told to the trainer in the hello. */
  teachers?: readonly string[];
  /** Batches run at once (credits outstanding). */
  slots: number;
  limits: WireLimits;
  retryBackoffMs: number;
  run: (spec: CheckedSpec) => Promise<void>;
  log: Log;
}

export class LeaseLoop {
  private call: grpc.ClientDuplexStream<LeaseRequest, BatchSpec__Output> | undefined;
  private running = 0;
  private stopping = false;
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  /** Specs received over the loop's life. */
  received = 0;

  constructor(private readonly options: LeaseLoopOptions) {
    this.backoff = options.retryBackoffMs;
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopping) return;
    const call = this.options.client.Lease();
    this.call = call;
    call.write({ hello: { workerId: this.options.workerId, datasetSize: this.options.datasetSize, teachers: [...(this.options.teachers ?? [])] } });
    this.grant(call, this.options.slots - this.running);
    call.on('data', (spec: BatchSpec__Output) => this.onSpec(call, spec));
    call.on('error', (err: grpc.ServiceError) => {
      if (this.call === call) this.reconnect(`lease stream failed: ${grpc.status[err.code]}: ${err.details}`);
    });
    call.on('end', () => {
      if (this.call === call) this.reconnect('lease stream ended by the trainer');
    });
  }

  private grant(call: grpc.ClientDuplexStream<LeaseRequest, BatchSpec__Output>, credits: number): void {
    if (credits > 0 && !this.stopping && this.call === call && !call.writableEnded) call.write({ credits });
  }

  private onSpec(call: grpc.ClientDuplexStream<LeaseRequest, BatchSpec__Output>, raw: BatchSpec__Output): void {
    this.received++;
    this.backoff = this.options.retryBackoffMs;
    let spec: CheckedSpec;
    try {
      spec = checkBatchSpec(raw, this.options.limits, this.options.datasetSize);
    } catch (err) {
      this.options.log(`refusing a spec from the trainer: ${(err as Error).message}`, { level: 'warn', err });
      this.grant(call, 1);
      return;
    }
    this.running++;
    this.options
      .run(spec)
      .catch((err: unknown) => {
        this.options.log(`batch ${spec.key} failed, lease given back: ${(err as Error).message}`, { level: 'warn', batch: spec.key, err });
        if (this.call && !this.call.writableEnded) this.call.write({ releaseLeaseId: spec.leaseId });
      })
      .finally(() => {
        this.running--;
        if (this.call) this.grant(this.call, 1);
        if (this.running === 0) for (const w of this.idle.splice(0)) w();
      });
  }

  private reconnect(why: string): void {
    this.call = undefined;
    if (this.stopping) return;
    this.options.log(`${why}; reconnecting in ${this.backoff} ms`);
    this.timer = setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 30_000);
  }

  get inFlight(): number {
    return this.running;
  }

  /** No more leases; resolves when running batches are done (or `graceMs` passed) and the stream is closed. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running > 0) {
      await Promise.race([new Promise<void>((r) => this.idle.push(r)), new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    const call = this.call;
    this.call = undefined;
    if (call && !call.writableEnded) call.end();
    call?.cancel();
  }
}
