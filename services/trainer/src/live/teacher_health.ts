/**
 * The health of the teacher replicas the workers say they embed with (their hello), checked by
 * the trainer with the standard gRPC health protocol every few seconds, for the live page. The
 * trainer never calls the teachers otherwise: the workers relay their embeddings.
 */
import { channelOptions, loadProtos, type ClientSecurity } from '@disco/dataplane';
import type * as grpc from '@grpc/grpc-js';

export type TeacherState = 'SERVING' | 'NOT_SERVING' | 'UNREACHABLE' | 'UNKNOWN';

export interface TeacherHealthEntry {
  address: string;
  state: TeacherState;
  /** ms since epoch of the last answer or failure. */
  checkedAt: number;
  detail?: string;
}

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
}

export class TeacherHealth {
  private readonly clients = new Map<string, HealthClient>();
  private readonly entries = new Map<string, TeacherHealthEntry>();
  private readonly inFlight = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly addresses: () => readonly string[],
    private readonly security: ClientSecurity,
    everyMs = 5000,
  ) {
    this.timer = setInterval(() => this.checkAll(), everyMs);
    this.timer.unref();
    this.checkAll();
  }

  /** The replicas now known; one seen for the first time is checked at once, not at the next tick. */
  list(): TeacherHealthEntry[] {
    return this.addresses().map((a) => {
      const entry = this.entries.get(a);
      if (entry) return entry;
      if (!this.inFlight.has(a)) this.check(a);
      return { address: a, state: 'UNKNOWN', checkedAt: 0 };
    });
  }

  private checkAll(): void {
    for (const address of new Set(this.addresses())) if (!this.inFlight.has(address)) this.check(address);
  }

  private check(address: string): void {
    let client = this.clients.get(address);
    if (!client) {
      const Health = loadProtos().grpc.health.v1.Health as unknown as new (a: string, c: grpc.ChannelCredentials, o: object) => HealthClient;
      client = new Health(address, this.security.credentials, { ...channelOptions(), ...this.security.options });
      this.clients.set(address, client);
    }
    this.inFlight.add(address);
    client.Check({ service: '' }, { deadline: Date.now() + 2000 }, (err, res) => {
      this.inFlight.delete(address);
      this.entries.set(address, err
        ? { address, state: 'UNREACHABLE', checkedAt: Date.now(), detail: err.details || err.message }
        : { address, state: res?.status === 'SERVING' ? 'SERVING' : 'NOT_SERVING', checkedAt: Date.now() });
    });
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
