/**
 * A TCP proxy on loopback that stands between a client (an augment worker) and a server (the
 * trainer or a teacher), as a Kubernetes Service stands between pods. The fault suite uses it
 * three ways: as a switchboard (`retarget` sends new connections to another process, so workers
 * outlive the trainer of one trial and meet the next one at the same address), to stall a
 * connection mid-flight (`stall`: bytes stop moving both ways, then resume, nothing lost), and
 * to drop one (`drop`: every open connection is destroyed, as a broken network does).
 *
 * While there is no target new connections wait, paused, until one is set. A target that refuses
 * the connection closes the client's socket (a dead teacher: the worker turns to another
 * replica), or, with `holdWhileDown`, keeps it waiting and tries again every 50 ms (the trainer
 * between two runs or restarting: the worker's lease stream waits instead of backing off).
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** `up`: client → target (a worker's requests); `down`: target → client (the answers, lease specs). */
export type Direction = 'up' | 'down';

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** Upstream connected (bytes may flow unless stalled). */
  linked?: boolean;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private readonly waiting = new Set<Pair>();
  private watchers: { direction: Direction; resolve: () => void }[] = [];
  private target: number | undefined;
  private stalls = 0;
  private holdWhileDown = false;

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (port 0 = any free one), forwarding to `target` (a loopback port) if given. */
  static async start(options: { target?: number; port?: number; holdWhileDown?: boolean } = {}): Promise<TcpProxy> {
    const { target, port = 0, holdWhileDown = false } = options;
    const proxy = new TcpProxy(createServer({ pauseOnConnect: true }));
    proxy.target = target;
    proxy.holdWhileDown = holdWhileDown;
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** New connections go to `target` (undefined: they wait until one is set); open ones are kept. */
  retarget(target: number | undefined): void {
    this.target = target;
    if (target === undefined) return;
    for (const pair of [...this.waiting]) {
      this.waiting.delete(pair);
      this.link(pair, target);
    }
  }

  /**
   * Resolves when the next bytes move in `direction` (true), or after `maxMs` without any (false):
   * a fault struck then finds a call in flight on this link.
   */
  nextTraffic(direction: Direction, maxMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const watcher = { direction, resolve: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.watchers = this.watchers.filter((w) => w !== watcher);
        resolve(false);
      }, maxMs);
      this.watchers.push(watcher);
    });
  }

  private get stalled(): boolean {
    return this.stalls > 0;
  }

  /** Stops moving bytes on every connection, open and new, until as many `resume` calls. */
  stall(): void {
    if (this.stalls++ > 0) return;
    for (const p of this.pairs) if (p.linked) this.unwire(p);
  }

  /** Ends one stall (`all`: every stall). */
  resume(all = false): void {
    if (this.stalls === 0) return;
    this.stalls = all ? 0 : this.stalls - 1;
    if (this.stalls > 0) return;
    for (const p of this.pairs) if (p.linked) this.wire(p);
  }

  /** Destroys every open connection (both sides see a reset). Returns how many there were. */
  drop(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.close(p);
    return n;
  }

  private accept(client: Socket): void {
    const pair: Pair = { client };
    this.pairs.add(pair);
    client.on('error', () => this.close(pair));
    client.on('close', () => this.close(pair));
    if (this.target === undefined) this.waiting.add(pair);
    else this.link(pair, this.target);
  }

  private link(pair: Pair, target: number): void {
    if (!this.pairs.has(pair)) return;
    const upstream = connect({ host: '127.0.0.1', port: target });
    pair.upstream = upstream;
    let connected = false;
    const lost = () => {
      if (pair.upstream !== upstream) return;
      if (connected || !this.holdWhileDown) return this.close(pair);
      pair.upstream = undefined;
      upstream.destroy();
      setTimeout(() => this.retry(pair), 50);
    };
    upstream.on('error', lost);
    upstream.on('close', lost);
    upstream.on('connect', () => {
      connected = true;
      if (!this.pairs.has(pair)) return;
      const watch = (direction: Direction) => () => {
        if (this.watchers.length === 0) return;
        const ready = this.watchers.filter((w) => w.direction === direction);
        this.watchers = this.watchers.filter((w) => w.direction !== direction);
        for (const w of ready) w.resolve();
      };
      pair.client.on('data', watch('up'));
      upstream.on('data', watch('down'));
      pair.linked = true;
      if (this.stalled) this.unwire(pair);
      else this.wire(pair);
    });
  }

  private retry(pair: Pair): void {
    if (!this.pairs.has(pair)) return;
    if (this.target === undefined) this.waiting.add(pair);
    else this.link(pair, this.target);
  }

  /** Bytes flow both ways (pipe honours backpressure). */
  private wire(pair: Pair): void {
    pair.client.pipe(pair.upstream!);
    pair.upstream!.pipe(pair.client);
  }

  /** Bytes stop: nothing is read on either side (what was read stays buffered for `wire`). */
  private unwire(pair: Pair): void {
    pair.client.unpipe(pair.upstream!);
    pair.upstream!.unpipe(pair.client);
    pair.client.pause();
    pair.upstream!.pause();
  }

  private close(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    this.waiting.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  async stop(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
