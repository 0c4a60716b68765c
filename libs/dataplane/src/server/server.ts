/**
 * A role's gRPC server: explicit message limits, interceptors (metrics), health, binding to
 * host:port (0 = any free port), and a graceful drain: health NOT_SERVING, an optional delay
 * for load balancers to notice, then `tryShutdown` (running calls finish, new ones are refused)
 * bounded by a grace period after which remaining calls are cancelled.
 */
import * as grpc from '@grpc/grpc-js';
import { serverOptions, type ChannelTuning } from '../client/channel.ts';
import { ReflectionService } from '@grpc/reflection';
import { HealthService } from './health.ts';
import { protoDefinition } from '../proto/loader_options.ts';
import { setServerConnectionWindow, setServerStreamWindow } from './flow_control.ts';

/** HTTP/2 flow-control window of every role's server and client (bytes). */
export const FLOW_CONTROL_WINDOW = 16 * 1024 * 1024;

export interface RoleServerOptions extends ChannelTuning {
  /** Fully-qualified service names reported by health, e.g. `disco.v1.Teacher`. */
  services: readonly string[];
  interceptors?: grpc.ServerInterceptor[];
  /** Transport security (security/server_credentials.ts); default plaintext. */
  credentials?: grpc.ServerCredentials;
}

export interface DrainOptions {
  /** Wait after NOT_SERVING before refusing new calls (ms). */
  delayMs: number;
  /** Most time running calls get to finish before they are cancelled (ms). */
  graceMs: number;
}

export class RoleServer {
  readonly server: grpc.Server;
  readonly health: HealthService;
  private draining: Promise<void> | undefined;
  private readonly drainHooks: (() => void | Promise<void>)[] = [];
  private readonly credentials: grpc.ServerCredentials;

  constructor(options: RoleServerOptions) {
    this.credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
    this.server = new grpc.Server({ ...serverOptions(options), interceptors: options.interceptors ?? [] });
    setServerStreamWindow(this.server, FLOW_CONTROL_WINDOW);
    this.health = new HealthService(options.services);
    this.health.addTo(this.server);
    // Server reflection (grpc-node's): grpcurl and grpcui list and call this role's services without the .proto files.
    new ReflectionService(protoDefinition(), { services: [...options.services, 'grpc.health.v1.Health'] }).addToServer(this.server);
  }

  /** Binds and returns the port actually bound. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, this.credentials, (err, bound) => {
        if (err) return reject(err);
        setServerConnectionWindow(this.server, FLOW_CONTROL_WINDOW);
        resolve(bound);
      });
    });
  }

  /** Runs at the start of a drain, after NOT_SERVING (e.g. a worker stops taking leases). */
  onDrain(hook: () => void | Promise<void>): void {
    this.drainHooks.push(hook);
  }

  get isDraining(): boolean {
    return this.draining !== undefined;
  }

  /** Graceful stop; idempotent. Resolves when the server is down. */
  drain(options: DrainOptions): Promise<void> {
    this.draining ??= this.doDrain(options);
    return this.draining;
  }

  private async doDrain({ delayMs, graceMs }: DrainOptions): Promise<void> {
    this.health.shutdown();
    if (delayMs > 0) await sleep(delayMs);
    const grace = sleep(graceMs, 'grace');
    const hooks = Promise.all(this.drainHooks.map((h) => h()));
    await Promise.race([hooks, grace]);
    const stopped = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    if ((await Promise.race([stopped.then(() => 'stopped' as const), grace])) === 'grace') {
      this.server.forceShutdown();
      await stopped;
    }
  }

  /** Immediate stop: cancels running calls. */
  close(): void {
    this.health.shutdown();
    this.server.forceShutdown();
  }
}

function sleep<T = void>(ms: number, value?: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value as T), ms).unref());
}
