/**
 * The Prometheus endpoint (`--metrics-port`, `--metrics-address`): an HTTP server answering
 * `GET /metrics` with the text exposition of `ProxyMetrics` (or mcconfgen's metrics); every other path is 404 and every
 * other method 405. Off by default; bound to 127.0.0.1 unless `--metrics-address` says otherwise,
 * so only this host can read it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../logger.js';

/** What the endpoint serves: `ProxyMetrics`, or mcconfgen's `ConfgenMetrics`. */
export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

/** See the file comment. */
export class MetricsServer {
  private readonly server: http.Server;
  private bound: string | null = null;

  constructor(private readonly metrics: MetricsText) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res);
    });
    // A scraper keeps its connection; do not let it hold the process open at shutdown.
    this.server.keepAliveTimeout = 5000;
  }

  /** `host:port` it listens on, or null before `listen`. */
  get address(): string | null {
    return this.bound;
  }

  /**
   * Starts listening.
   * @throws Error (EADDRINUSE, EADDRNOTAVAIL, …) when the address cannot be bound
   */
  listen(port: number, host: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host }, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => {
          log.error({ err }, 'metrics server error');
        });
        const a = this.server.address() as AddressInfo;
        this.bound = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
        resolve(this.bound);
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    this.metrics.text().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': this.metrics.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  }

  /** Stops listening and closes open connections. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }
}
