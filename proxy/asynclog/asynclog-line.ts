/**
 * mcrouter's asynclog line format (`mcrouter/AsyncLog.cpp::writeDelete`, `mcrouter/routes/McRouteHandleProvider-inl.h`): one JSON
 * array per line.
 *
 * - version 1 (default): `["AS1.0",<unix time, s, ms precision>,"C",["<host>",<port>,"delete <key>\r\n"]]`
 * - version 2 (`--use-asynclog-version2`):
 *   `["AS2.0",<time>,"C",{"f":"<flavor>","h":"[<host>]:<port>","p":"<pool>","k":"<key>"}]`
 *
 * Unix-socket destinations are written with host `unix:<path>` and port 0 (mcrouter has no
 * equivalent). Keys are written as latin1 text, so any byte round-trips through the replay.
 */

/** One spooled delete. */
export interface AsynclogEntry {
  /** Host or IP without brackets, or `unix:<path>`. */
  readonly host: string;
  /** TCP port; 0 for a unix socket. */
  readonly port: number;
  /** The key as the destination received it (routing prefix already stripped, or kept). */
  readonly key: string;
  /** Pool name (version 2 only; '' when unknown). */
  readonly pool: string;
  /** When it was spooled, unix seconds. */
  readonly time: number;
}

/** Formats one line, `\n` included. */
export function formatAsynclogLine(e: AsynclogEntry, version2: boolean): string {
  if (version2) {
    const h = `[${e.host}]:${e.port}`;
    return `${JSON.stringify(['AS2.0', e.time, 'C', { f: '', h, p: e.pool, k: e.key }])}\n`;
  }
  return `${JSON.stringify(['AS1.0', e.time, 'C', [e.host, e.port, `delete ${e.key}\r\n`]])}\n`;
}

/** Parses one line of either version; null when it is not an asynclog delete. */
export function parseAsynclogLine(line: string): AsynclogEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 4 || v[2] !== 'C') return null;
  const [magic, time, , body] = v as [unknown, unknown, unknown, unknown];
  if (typeof time !== 'number') return null;
  if (magic === 'AS1.0') {
    if (!Array.isArray(body) || body.length !== 3) return null;
    const [host, port, cmd] = body as [unknown, unknown, unknown];
    if (typeof host !== 'string' || typeof port !== 'number' || typeof cmd !== 'string') return null;
    const m = /^delete ([^\s]+)(?: [^\r\n]*)?\r\n$/.exec(cmd);
    if (m === null) return null;
    return { host, port, key: m[1] as string, pool: '', time };
  }
  if (magic === 'AS2.0') {
    if (typeof body !== 'object' || body === null) return null;
    const o = body as Record<string, unknown>;
    if (typeof o.h !== 'string' || typeof o.k !== 'string') return null;
    const m = /^\[(.*)\]:(\d+)$/.exec(o.h);
    if (m === null) return null;
    return {
      host: m[1] as string,
      port: Number(m[2]),
      key: o.k,
      pool: typeof o.p === 'string' ? o.p : '',
      time,
    };
  }
  return null;
}

/**
 * The spool directory layout mcrouter uses (`AsyncLog::openFile`): an hourly directory
 * `<dir>/<YYYYMMDD>T<HH>-<hour start, unix s>` holding files
 * `<YYYYMMDD>T<HHMMSS>-<unix s>-<service>-<router>-t<thread>-<id>`, local time.
 */
export function asynclogPaths(dir: string, nowMs: number, id: string): { hourDir: string; file: string } {
  const now = Math.floor(nowMs / 1000);
  const d = new Date(nowMs);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}`;
  const hourDir = `${dir}/${day}T${p2(d.getHours())}-${now - (now % 3600)}`;
  const file = `${hourDir}/${day}T${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}-${now}-mcproxy-default-t${process.pid}-${id}`;
  return { hourDir, file };
}
