/**
 * Client-side round-robin over the replicas of one role. Each address is its own channel with
 * the round-robin policy, so an address may itself be many replicas (`dns:///teacher:50053` on
 * a headless service) and a list of loopback ports works the same way. `next()` skips channels
 * that are known to be failing as long as a healthier one exists.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions, type ChannelTuning } from './channel.ts';
import { PLAINTEXT, type ClientSecurity } from '../security/client_credentials.ts';

export type ClientConstructor<C extends grpc.Client> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => C;

export class ReplicaPool<C extends grpc.Client> {
  private readonly clients: C[];
  private cursor = 0;

  /** `security`: TLS credentials and options (security/client_credentials.ts); default plaintext. */
  constructor(Client: ClientConstructor<C>, readonly addresses: readonly string[], tuning: ChannelTuning = {}, security: ClientSecurity = PLAINTEXT) {
    if (addresses.length === 0) throw new RangeError('ReplicaPool: no addresses');
    const options = { ...channelOptions(tuning), ...security.options };
    this.clients = addresses.map((a) => new Client(a, security.credentials, options));
  }

  get size(): number {
    return this.clients.length;
  }

  /** The next client in turn, preferring channels that are not in TRANSIENT_FAILURE. */
  next(avoid?: C): C {
    const n = this.clients.length;
    for (let tries = 0; tries < n; tries++) {
      const client = this.clients[this.cursor++ % n];
      if (client === avoid && n > 1) continue;
      const state = client.getChannel().getConnectivityState(true);
      if (state !== grpc.connectivityState.TRANSIENT_FAILURE) return client;
    }
    return this.clients[this.cursor++ % n];
  }

  all(): readonly C[] {
    return this.clients;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/** Splits `a,b,c` (flags and env) into addresses, dropping blanks. */
export function parseAddresses(list: string | readonly string[]): string[] {
  const parts = typeof list === 'string' ? list.split(',') : [...list];
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}
