/**
 * `Coordinator.Lease`: one session per worker stream. A worker says hello (its id and dataset
 * length), then grants credits; the trainer sends at most that many specs, and only batches the
 * window allows. A stream that ends puts its worker's leases back at once; a timer expires
 * leases whose worker went quiet.
 */
import * as grpc from '@grpc/grpc-js';
import type { BatchSpec, LeaseRequest__Output } from '../proto/types.ts';
import { InvalidFieldError, PreconditionError } from '../codec/errors.ts';
import { failStream } from '../status.ts';
import type { LeaseWindow } from '../lease/lease_window.ts';
import type { PlanSpec } from '../lease/plan_spec.ts';
import type { Log } from '@disco/metrics';

type LeaseCall = grpc.ServerDuplexStream<LeaseRequest__Output, BatchSpec>;

interface Session {
  workerId: string;
  credits: number;
  call: LeaseCall;
  /** When its hello arrived (ms, options.now). */
  since: number;
  /** The teacher addresses it said it embeds with. */
  teachers: string[];
}

/** One connected worker, as the trainer's live page shows it. */
export interface WorkerSession {
  workerId: string;
  since: number;
  teachers: readonly string[];
}

export interface LeaseSessionOptions {
  datasetSize: number;
  now: () => number;
  log?: Log;
}

const MAX_CREDITS = 1024;

export class LeaseSessions {
  private readonly sessions = new Set<Session>();
  /** The session the last lease went to: the next round starts with the one after it. */
  private lastGranted: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly window: LeaseWindow<PlanSpec>, private readonly options: LeaseSessionOptions) {}

  get workers(): number {
    return this.sessions.size;
  }

  /** The connected workers, oldest first. */
  list(): WorkerSession[] {
    return [...this.sessions].map((s) => ({ workerId: s.workerId, since: s.since, teachers: s.teachers }));
  }

  readonly handler = (call: LeaseCall): void => {
    let session: Session | undefined;
    const fail = (err: unknown) => {
      this.leave(session);
      failStream(call, err);
    };
    call.on('data', (req: LeaseRequest__Output) => {
      try {
        if (this.closed) return;
        if (!session) {
          if (req.kind !== 'hello' || !req.hello) throw new InvalidFieldError('hello', 'the first message of a lease stream must be a hello');
          if (req.hello.workerId === '') throw new InvalidFieldError('hello.worker_id', 'empty');
          if (req.hello.datasetSize !== this.options.datasetSize) {
            throw new PreconditionError('hello.dataset_size', `worker has ${req.hello.datasetSize} images, the plan ${this.options.datasetSize}`);
          }
          session = { workerId: req.hello.workerId, credits: 0, call, since: this.options.now(), teachers: [...(req.hello.teachers ?? [])].slice(0, 64) };
          this.sessions.add(session);
          return;
        }
        if (req.kind === 'releaseLeaseId') {
          if (this.window.releaseLease(session.workerId, req.releaseLeaseId ?? '')) this.pump();
          return;
        }
        if (req.kind !== 'credits') throw new InvalidFieldError('kind', 'after the hello, only credits or releases');
        const credits = req.credits ?? 0;
        if (session.credits + credits > MAX_CREDITS) throw new InvalidFieldError('credits', `more than ${MAX_CREDITS} outstanding`);
        session.credits += credits;
        this.pump();
      } catch (err) {
        fail(err);
      }
    });
    call.on('end', () => {
      this.leave(session);
      call.end();
    });
    call.on('cancelled', () => this.leave(session));
    call.on('error', () => this.leave(session));
  };

  private leave(session: Session | undefined): void {
    if (!session || !this.sessions.delete(session)) return;
    if (this.lastGranted === session) this.lastGranted = undefined;
    const back = this.window.releaseWorker(session.workerId);
    if (back.length > 0) this.options.log?.(`worker ${session.workerId} left; ${back.length} leases back in the window`);
    this.pump();
  }

  /**
   * Hands out as many leases as credits and the window allow, one per worker per round, each
   * round starting with the worker after the one the last lease went to: when the window is the
   * limit and frees one slot at a time, the slots go to the workers in turn instead of the first
   * to connect (or whichever a pump happens to start with) taking all. Re-arms the expiry timer.
   */
  pump(): void {
    if (this.closed) return;
    this.window.expire();
    const all = [...this.sessions];
    const start = this.lastGranted ? all.indexOf(this.lastGranted) + 1 : 0;
    const order = [...all.slice(start), ...all.slice(0, start)];
    for (let granted = true; granted; ) {
      granted = false;
      for (const session of order) {
        if (session.credits === 0) continue;
        const lease = this.window.acquire(session.workerId);
        if (!lease) {
          this.arm();
          return;
        }
        session.credits--;
        this.lastGranted = session;
        session.call.write({ ...lease.spec, id: lease.id, leaseId: lease.leaseId, leaseDeadlineUnixMs: lease.deadline });
        granted = true;
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.window.nextDeadline();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - this.options.now()) + 1);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.sessions) s.call.end();
    this.sessions.clear();
  }
}
