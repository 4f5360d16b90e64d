/**
 * A loopback HTTP server speaking IMDSv2 for tests: `PUT /latest/api/token` (with the TTL header)
 * returns a token; `GET /latest/meta-data/<path>` needs that token (401 otherwise). `v1Only`
 * refuses the PUT, like an instance that only has IMDSv1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** See the file comment. */
export class ImdsServer {
  tokenRequests = 0;
  readonly gets: string[] = [];
  private readonly token = 'AQAEAFakeTokenForTests==';

  private constructor(
    private readonly server: http.Server,
    readonly metadata: Record<string, string>,
  ) {}

  static async start(metadata: Record<string, string>, opts: { v1Only?: boolean } = {}): Promise<ImdsServer> {
    let self: ImdsServer | null = null;
    const server = http.createServer((req, res) => {
      self?.handle(req, res, opts.v1Only === true);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new ImdsServer(server, metadata);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, v1Only: boolean): void {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      this.tokenRequests++;
      if (v1Only || req.headers['x-aws-ec2-metadata-token-ttl-seconds'] === undefined) {
        res.writeHead(v1Only ? 403 : 400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(this.token);
      return;
    }
    const prefix = '/latest/meta-data/';
    if (req.method === 'GET' && req.url?.startsWith(prefix) === true) {
      if (req.headers['x-aws-ec2-metadata-token'] !== this.token) {
        res.writeHead(401).end();
        return;
      }
      const path = req.url.slice(prefix.length);
      this.gets.push(path);
      const value = this.metadata[path];
      if (value === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
      return;
    }
    res.writeHead(404).end();
  }
}
