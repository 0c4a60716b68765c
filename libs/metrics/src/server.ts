/**
 * `/metrics` over HTTP for Prometheus (port 0 = any free port, as in tests), and any extra
 * read-only pages a role serves beside it (the trainer's live page at `/`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** A page beside /metrics: its content type and body, computed per request. */
export interface ExtraPage {
  contentType: string;
  body(): string | Promise<string>;
}

export function startMetricsServer(registry: Registry, options: { host?: string; port: number; pages?: Readonly<Record<string, ExtraPage>> }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const page = options.pages?.[path];
    if (req.method === 'GET' && page) {
      Promise.resolve()
        .then(() => page.body())
        .then(
          (body) => res.writeHead(200, { 'content-type': page.contentType, 'cache-control': 'no-store' }).end(body),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${path} failed: ${String(err)}\n`),
        );
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try /metrics${options.pages ? `, ${Object.keys(options.pages).join(', ')}` : ''}\n`);
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
