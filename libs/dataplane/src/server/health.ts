/**
 * grpc.health.v1: `Check` and `Watch` over a table of service statuses. The empty service name
 * is the whole server. `shutdown()` sets everything NOT_SERVING (before a graceful drain).
 */
import * as grpc from '@grpc/grpc-js';
import type { HealthHandlers } from '../proto/types.ts';
import { loadProtos } from '../proto/loader_options.ts';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
type WatchStatus = ServingStatus | 'SERVICE_UNKNOWN';

export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<grpc.ServerWritableStream<unknown, { status: WatchStatus }>>>();

  /** `services`: names to register (the whole server, '', is always registered). */
  constructor(services: readonly string[] = [], initial: ServingStatus = 'NOT_SERVING') {
    for (const name of ['', ...services]) this.statuses.set(name, initial);
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const call of this.watchers.get(service) ?? []) call.write({ status });
  }

  setAll(status: ServingStatus): void {
    for (const name of this.statuses.keys()) this.set(name, status);
  }

  /** Everything NOT_SERVING, then Watch streams end (so a drain is not held up by them). */
  shutdown(): void {
    this.setAll('NOT_SERVING');
    for (const set of this.watchers.values()) for (const call of set) call.end();
    this.watchers.clear();
  }

  status(service = ''): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  readonly handlers: HealthHandlers = {
    Check: (call, callback) => {
      const status = this.statuses.get(call.request.service);
      if (!status) {
        callback({ code: grpc.status.NOT_FOUND, details: `service '${call.request.service}' is unknown to this server` });
        return;
      }
      callback(null, { status });
    },
    Watch: (call) => {
      const name = call.request.service;
      let set = this.watchers.get(name);
      if (!set) this.watchers.set(name, (set = new Set()));
      set.add(call as never);
      call.on('cancelled', () => set.delete(call as never));
      call.write({ status: this.statuses.get(name) ?? 'SERVICE_UNKNOWN' });
    },
  };

  addTo(server: grpc.Server): void {
    server.addService(loadProtos().grpc.health.v1.Health.service, this.handlers);
  }
}
