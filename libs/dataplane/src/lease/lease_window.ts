/**
 * The trainer's lease window: pure bookkeeping, no I/O, time injected.
 *
 * The plan (batch specs in training order) is appended with `extend`. Only batches whose plan
 * position lies in `[base, base + window)` can be leased, where `base` is the first position not
 * yet consumed (trained): joined-but-untrained batches count against the window, so the trainer
 * never holds more than `window` batches in memory, wherever they are.
 *
 * A batch is leased to at most one lease at a time. A lease that passes its deadline, or whose
 * worker leaves, puts the batch back (it is handed out again before any later batch). The first
 * complete delivery of a batch under any lease ever issued for it is accepted (views are a pure
 * function of the spec, so an old lease's delivery is as good as the new one's); later ones are
 * duplicates.
 */
import { randomBytes } from 'node:crypto';
import { batchKey, type BatchKeyed } from '../codec/batch_id.ts';

/** A planned batch: its id plus whatever the caller puts on the wire (indices, seed, size…). */
export interface PlannedBatch<S = unknown> {
  id: BatchKeyed;
  spec: S;
}

export interface Lease<S = unknown> {
  leaseId: string;
  workerId: string;
  key: string;
  id: BatchKeyed;
  spec: S;
  /** Plan position (0-based, across everything ever extended). */
  position: number;
  /** `now()` units (ms). */
  deadline: number;
}

export type LeaseCheck = 'current' | 'superseded' | 'unknown-lease' | 'delivered' | 'consumed' | 'unknown-batch';
export type CompleteOutcome = 'accepted' | 'duplicate' | 'stale';

type State = 'pending' | 'leased' | 'delivered';

interface Entry<S> {
  batch: PlannedBatch<S>;
  key: string;
  position: number;
  state: State;
  lease?: Lease<S>;
  /** Every lease id ever issued for this batch. */
  issued: Set<string>;
}

export interface LeaseWindowOptions {
  /** Most batches of the plan in flight (leased, delivered, not yet consumed). */
  window: number;
  /** How long a lease lasts (ms). */
  leaseMs: number;
  now?: () => number;
  newLeaseId?: () => string;
}

export interface LeaseWindowStats {
  planned: number;
  consumed: number;
  pending: number;
  leased: number;
  delivered: number;
  /** Leases that expired or whose worker left. */
  released: number;
}

export class LeaseWindow<S = unknown> {
  private readonly entries: Entry<S>[] = [];
  private readonly byKey = new Map<string, Entry<S>>();
  /** Positions below base are consumed; their entries are dropped. */
  private base = 0;
  private readonly consumedAhead = new Set<number>();
  /** Keys consumed (to tell a late duplicate from a stranger), bounded to the recent past. */
  private readonly consumedKeys = new BoundedSet(65536);
  private released = 0;
  private readonly now: () => number;
  private readonly newLeaseId: () => string;

  constructor(private readonly options: LeaseWindowOptions) {
    if (!Number.isInteger(options.window) || options.window < 1) throw new RangeError(`LeaseWindow: window ${options.window} must be a positive integer`);
    if (!(options.leaseMs > 0)) throw new RangeError(`LeaseWindow: leaseMs ${options.leaseMs} must be positive`);
    this.now = options.now ?? Date.now;
    this.newLeaseId = options.newLeaseId ?? (() => randomBytes(9).toString('base64url'));
  }

  /** Appends batches to the plan, in training order. Keys must be new. */
  extend(batches: readonly PlannedBatch<S>[]): void {
    for (const batch of batches) {
      const key = batchKey(batch.id);
      if (this.byKey.has(key)) throw new RangeError(`LeaseWindow: batch ${key} is already planned`);
      const entry: Entry<S> = { batch, key, position: this.base + this.entries.length, state: 'pending', issued: new Set() };
      this.entries.push(entry);
      this.byKey.set(key, entry);
    }
  }

  /** Hands the next leasable batch to `workerId`, or undefined if none is (window full or plan done). */
  acquire(workerId: string): Lease<S> | undefined {
    this.expire();
    const limit = Math.min(this.entries.length, this.options.window);
    for (let i = 0; i < limit; i++) {
      const entry = this.entries[i];
      if (entry.state !== 'pending') continue;
      const lease: Lease<S> = {
        leaseId: this.newLeaseId(),
        workerId,
        key: entry.key,
        id: entry.batch.id,
        spec: entry.batch.spec,
        position: entry.position,
        deadline: this.now() + this.options.leaseMs,
      };
      entry.state = 'leased';
      entry.lease = lease;
      entry.issued.add(lease.leaseId);
      return lease;
    }
    return undefined;
  }

  /** Where a delivery for `(key, leaseId)` stands, without changing anything. */
  check(key: string, leaseId: string): LeaseCheck {
    const entry = this.byKey.get(key);
    if (!entry) return this.wasConsumed(key) ? 'consumed' : 'unknown-batch';
    if (entry.state === 'delivered') return 'delivered';
    if (!entry.issued.has(leaseId)) return 'unknown-lease';
    return entry.lease?.leaseId === leaseId ? 'current' : 'superseded';
  }

  /** Records a complete delivery; the first one of a batch wins. */
  complete(key: string, leaseId: string): CompleteOutcome {
    const check = this.check(key, leaseId);
    if (check === 'delivered' || check === 'consumed') return 'duplicate';
    if (check === 'unknown-lease' || check === 'unknown-batch') return 'stale';
    const entry = this.byKey.get(key)!;
    this.dropLease(entry);
    entry.state = 'delivered';
    return 'accepted';
  }

  /**
   * The trainer trained this batch: it leaves the window. Consuming out of plan order is allowed
   * (the window slides once the gap closes) but a batch must be delivered first.
   */
  consume(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) throw new RangeError(`LeaseWindow: consume(${key}): not in the window`);
    if (entry.state !== 'delivered') throw new RangeError(`LeaseWindow: consume(${key}): batch is ${entry.state}, not delivered`);
    this.consumedAhead.add(entry.position);
    while (this.entries.length > 0 && this.consumedAhead.has(this.base)) {
      const head = this.entries.shift()!;
      this.byKey.delete(head.key);
      this.consumedKeys.add(head.key);
      this.consumedAhead.delete(this.base);
      this.base++;
    }
  }

  private wasConsumed(key: string): boolean {
    return this.consumedKeys.has(key);
  }

  /** Entries that can hold a lease: only the first `window` of the plan ever do. */
  private *inWindow(): Generator<Entry<S>> {
    const limit = Math.min(this.entries.length, this.options.window);
    for (let i = 0; i < limit; i++) yield this.entries[i];
  }

  /** Puts every lease past its deadline back; returns them. */
  expire(): Lease<S>[] {
    const t = this.now();
    const out: Lease<S>[] = [];
    for (const entry of this.inWindow()) {
      if (entry.state === 'leased' && entry.lease!.deadline <= t) out.push(this.putBack(entry));
    }
    return out;
  }

  /** A worker gives one lease back (it cannot finish it); false if it is not its current lease. */
  releaseLease(workerId: string, leaseId: string): boolean {
    for (const entry of this.inWindow()) {
      if (entry.state === 'leased' && entry.lease!.leaseId === leaseId && entry.lease!.workerId === workerId) {
        this.putBack(entry);
        return true;
      }
    }
    return false;
  }

  /** A worker left (its lease stream ended): its leases go back. */
  releaseWorker(workerId: string): Lease<S>[] {
    const out: Lease<S>[] = [];
    for (const entry of this.inWindow()) {
      if (entry.state === 'leased' && entry.lease!.workerId === workerId) out.push(this.putBack(entry));
    }
    return out;
  }

  /** Leases outstanding now, in plan order. */
  leases(): Lease<S>[] {
    return [...this.inWindow()].filter((e) => e.state === 'leased').map((e) => e.lease!);
  }

  /** The earliest lease deadline, for scheduling the next `expire()`. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const entry of this.inWindow()) {
      if (entry.state === 'leased' && (next === undefined || entry.lease!.deadline < next)) next = entry.lease!.deadline;
    }
    return next;
  }

  /** The first planned batch not yet consumed: what the trainer trains next. */
  head(): PlannedBatch<S> | undefined {
    return this.entries.find((e) => !this.consumedAhead.has(e.position))?.batch;
  }

  /** The plan position of a key still in the window. */
  position(key: string): number | undefined {
    return this.byKey.get(key)?.position;
  }

  /** True when every planned batch has been consumed. */
  get drained(): boolean {
    return this.entries.length === 0;
  }

  stats(): LeaseWindowStats {
    const window = [...this.inWindow()];
    const count = (s: State) => window.filter((e) => e.state === s && !this.consumedAhead.has(e.position)).length;
    return {
      planned: this.base + this.entries.length,
      consumed: this.base + this.consumedAhead.size,
      /** Planned, not consumed, not leased or delivered (including those beyond the window). */
      pending: this.entries.length - this.consumedAhead.size - count('leased') - count('delivered'),
      leased: count('leased'),
      delivered: count('delivered'),
      released: this.released,
    };
  }

  private putBack(entry: Entry<S>): Lease<S> {
    const lease = entry.lease!;
    this.dropLease(entry);
    entry.state = 'pending';
    this.released++;
    return lease;
  }

  private dropLease(entry: Entry<S>): void {
    entry.lease = undefined;
  }
}

/** A set that forgets its oldest members past `capacity`. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly capacity: number) {}
  add(item: string): void {
    this.items.add(item);
    if (this.items.size > this.capacity) this.items.delete(this.items.values().next().value!);
  }
  has(item: string): boolean {
    return this.items.has(item);
  }
}
