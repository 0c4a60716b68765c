/**
 * A real Prometheus for tests: started on 127.0.0.1 with a config we write into a temp dir,
 * queried through its HTTP API, stopped (and its dir removed) by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findTool } from './prometheus_tools.ts';

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  value: string;
}

/** A TCP port that was free a moment ago (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PrometheusServer {
  private output = '';
  private exited = false;

  private constructor(
    readonly url: string,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.once('exit', () => (this.exited = true));
  }

  /**
   * Starts Prometheus with `files` (relative path → text; must include `prometheus.yml`) written
   * into a fresh temp dir, and waits until it reports ready.
   */
  static async start(files: Record<string, string>, readyTimeoutMs = 30_000): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'disco-prometheus-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const port = await freePort();
    const child = spawn(
      findTool('prometheus'),
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, dir, child);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (server.exited) throw new Error(`prometheus exited during start-up:\n${server.output}`);
      try {
        if ((await fetch(`${server.url}/-/ready`)).ok) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${server.output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Prometheus's own log (last 20 kB), for failure messages. */
  log(): string {
    return this.output;
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    return body.data;
  }

  async query(expr: string): Promise<VectorSample[]> {
    const data = await this.api<{ resultType: string; result: VectorSample[] }>('query', { query: expr });
    if (data.resultType !== 'vector') throw new Error(`query ${expr}: a ${data.resultType}, not a vector`);
    return data.result;
  }

  async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<RangeSeries[]> {
    const data = await this.api<{ result: RangeSeries[] }>('query_range', { query: expr, start: String(start), end: String(end), step: String(stepSeconds) });
    return data.result;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api<{ alerts: PrometheusAlert[] }>('alerts', {})).alerts;
  }

  async targets(): Promise<{ activeTargets: { labels: Record<string, string>; health: string; scrapeUrl: string }[]; droppedTargets: { discoveredLabels: Record<string, string> }[] }> {
    return this.api('targets', {});
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
