// The demo application: a page rendered by Node.js that uses the cache through the sidecar.
//
//   GET /<anything>  renders a page with a hit counter (incr demo:hits through mcproxy), stores it
//                    as demo:page:<path> for PAGE_TTL seconds (nginx serves it from there until
//                    it expires), and returns it
//   GET /healthz     "ok" when the sidecar answers "version", 503 otherwise
//
// Environment: MEMCACHED_HOST (mcsidecar), MEMCACHED_PORT (11211), PORT (8080), PAGE_TTL (10).
// No dependencies: a few lines of the memcached text protocol (memcached's doc/protocol.txt).
/* global process, console, Buffer, URL */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { hostname } from 'node:os';

const MC_HOST = process.env.MEMCACHED_HOST ?? 'mcsidecar';
const MC_PORT = Number(process.env.MEMCACHED_PORT ?? 11211);
const PORT = Number(process.env.PORT ?? 8080);
const PAGE_TTL = Number(process.env.PAGE_TTL ?? 10);

/** Sends one request and resolves with the reply up to its last line (`ends` matches it). */
function memcached(request, ends) {
  return new Promise((resolve, reject) => {
    const sock = connect(MC_PORT, MC_HOST);
    let reply = Buffer.alloc(0);
    sock.setTimeout(1000, () => sock.destroy(new Error('memcached timeout')));
    sock.on('error', reject);
    sock.on('data', (d) => {
      reply = Buffer.concat([reply, d]);
      const text = reply.toString('utf8');
      if (ends.test(text)) {
        sock.end();
        resolve(text);
      }
    });
    sock.write(request);
  });
}

const LINE = /\r\n$/;

async function hits() {
  const r = await memcached('incr demo:hits 1\r\n', LINE);
  if (/^\d+\r\n$/.test(r)) return Number(r.trim());
  // NOT_FOUND: the first hit (add, so a concurrent first hit is not lost).
  const added = await memcached('add demo:hits 0 0 1\r\n1\r\n', LINE);
  return added === 'STORED\r\n' ? 1 : hits();
}

function page(path, n) {
  const at = new Date().toISOString();
  return `<!doctype html><title>mcsidecar demo</title>
<h1>mcsidecar demo</h1>
<p>Rendered by the app on ${hostname()} at ${at} for ${path}; rendered ${n} times so far.</p>
<p>nginx serves this copy from the cache (memcached_pass through the sidecar) for ${PAGE_TTL} s:
reload and watch the X-Cache header.</p>
`;
}

createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const handle = async () => {
    if (path === '/healthz') {
      const v = await memcached('version\r\n', LINE);
      if (!v.startsWith('VERSION ')) throw new Error(`sidecar answered ${v.trim()}`);
      return { status: 200, body: 'ok\n', type: 'text/plain' };
    }
    const body = page(path, await hits());
    const key = `demo:page:${path}`;
    // memcached keys are at most 250 bytes: longer paths are served uncached.
    if (Buffer.byteLength(key) <= 250) {
      const bytes = Buffer.byteLength(body);
      const stored = await memcached(`set ${key} 0 ${PAGE_TTL} ${bytes}\r\n${body}\r\n`, LINE);
      if (stored !== 'STORED\r\n') throw new Error(`set answered ${stored.trim()}`);
    }
    return { status: 200, body, type: 'text/html' };
  };
  handle().then(
    ({ status, body, type }) => {
      res.writeHead(status, { 'Content-Type': type }).end(body);
    },
    (err) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`cache unavailable: ${err.message}\n`);
    },
  );
}).listen(PORT, () => {
  console.log(JSON.stringify({ msg: 'demo app listening', port: PORT, memcached: `${MC_HOST}:${MC_PORT}` }));
});
