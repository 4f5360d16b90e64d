/**
 * The client battery (test/clients/battery.ts) with memjs (npm, binary protocol).
 * memjs 1.3 has no cas, multi-get, quiet or version calls: the multi-get step issues the 100 gets
 * at once on memjs's one pipelined connection; cas, noreply and version are not run.
 *
 * Usage: node --import tsx memjs-battery.ts <host> <port> binary <prefix>
 */
import memjs from 'memjs';

const [host, port, , prefix] = process.argv.slice(2) as [string, string, string, string];
const FLAGS = 0xdeadbeef;

/** Sets raw flags on a store (extras bytes 0–3) and hands the reply's extras back as flags. */
const serializer = {
  serialize(opcode: number, value: string | Buffer, extras: Buffer) {
    const out = Buffer.from(extras);
    if (value === 'flagged') out.writeUInt32BE(FLAGS, 0);
    return { value, extras: out };
  },
  deserialize(_opcode: number, value: Buffer, extras: Buffer) {
    return { value, extras };
  },
};

const connect = (): memjs.Client =>
  memjs.Client.create(`${host}:${port}`, {
    timeout: 1,
    conntimeout: 1,
    retries: 1,
    failover: false,
    logger: { log: () => undefined },
    serializer,
  });
const c = connect();

const k = (name: string): string => prefix + name;
const stored = (ok: boolean): string => (ok ? 'stored' : 'not_stored');

/** A store's outcome; memjs rejects with the binary status text where it has no false for it. */
async function status(p: Promise<boolean>): Promise<string> {
  try {
    return stored(await p);
  } catch (e) {
    const m = (e as Error).message;
    if (m.includes('Item not stored')) return 'not_stored';
    if (m.includes('Key exists')) return 'exists';
    if (m.includes('Key not found')) return 'not_found';
    return 'error';
  }
}

async function hit(key: string, want?: string): Promise<string> {
  const { value } = await c.get(key);
  if (value === null) return 'miss';
  if (want === undefined) return value.toString('latin1');
  return value.equals(Buffer.from(want, 'latin1')) ? 'same' : 'differs';
}

async function attempt(fn: () => Promise<boolean>): Promise<string> {
  try {
    return (await fn()) ? 'ok' : 'error';
  } catch {
    return 'error';
  }
}

async function num(p: Promise<{ success: boolean; value?: number | null | undefined }>): Promise<string> {
  const r = await p;
  return r.success ? String(r.value) : 'not_found';
}

const PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789';

const steps: Record<string, () => Promise<string[]>> = {
  set_get: async () => [stored(await c.set(k('sg'), 'hello world', {})), await hit(k('sg'))],
  reread: async () => [
    stored(await c.set(k('rr/'), 'x', {})),
    await hit(k('rr/')),
    await hit(k('rr/')),
    await hit(k('rr/')),
  ],
  crlf_value: async () => {
    const v = 'a\r\nEND\r\nb\r\n';
    return [stored(await c.set(k('crlf'), v, {})), await hit(k('crlf'), v)];
  },
  value_500k: async () => {
    const v = PATTERN.repeat(Math.ceil(512000 / PATTERN.length)).slice(0, 512000);
    return [stored(await c.set(k('big500'), v, {})), await hit(k('big500'), v)];
  },
  value_too_large: async () => [
    await attempt(() => c.set(k('huge'), 'x'.repeat(2 * 1024 * 1024), {})),
    await hit(k('huge')),
  ],
  add: async () => [
    await status(c.add(k('add'), '1', {})),
    await status(c.add(k('add'), '2', {})),
    await hit(k('add')),
  ],
  replace: async () => {
    const a = await status(c.replace(k('rep'), 'old', {}));
    await c.set(k('rep'), 'old', {});
    return [a, await status(c.replace(k('rep'), 'new', {})), await hit(k('rep'))];
  },
  append_prepend: async () => {
    const a = await status(c.append(k('ap'), 'x'));
    await c.set(k('ap'), 'b', {});
    const b = await status(c.append(k('ap'), 'c'));
    return [a, b, await status(c.prepend(k('ap'), 'a')), await hit(k('ap'))];
  },
  incr_decr: async () => {
    await c.set(k('ctr'), '10', {});
    return [
      await num(c.increment(k('ctr'), 5, {})),
      await num(c.decrement(k('ctr'), 20, {})),
      await num(c.increment(k('ctrmiss'), 1, {})),
    ];
  },
  touch: async () => {
    await c.set(k('tch'), 'x', { expires: 100 });
    const t = (await c.touch(k('tch'), 1000)) ? 'touched' : 'not_found';
    const h = (await c.get(k('tch'))).value === null ? 'miss' : 'hit';
    return [t, h, (await c.touch(k('tchmiss'), 1000)) ? 'touched' : 'not_found'];
  },
  delete: async () => {
    await c.set(k('del'), 'x', {});
    const d = async (): Promise<string> => ((await c.delete(k('del'))) ? 'deleted' : 'not_found');
    return [await d(), await d(), await hit(k('del'))];
  },
  multi_get: async () => {
    const idx = Array.from({ length: 100 }, (_, i) => i);
    await Promise.all(idx.filter((i) => i % 2 === 0).map((i) => c.set(k(`m${i}`), `v${i}`, {})));
    const got = await Promise.all(idx.map((i) => c.get(k(`m${i}`))));
    const hits = got.filter((g) => g.value !== null).length;
    const same = idx.every((i) =>
      i % 2 === 0 ? got[i]?.value?.toString() === `v${i}` : got[i]?.value === null,
    );
    return [String(hits), same ? 'same' : 'differs'];
  },
  flags: async () => {
    await c.set(k('fl'), 'flagged', {});
    const { flags } = await c.get(k('fl'));
    return [flags !== null && flags.length >= 4 && flags.readUInt32BE(0) === FLAGS ? 'same' : 'differs'];
  },
  key_250: async () => {
    const key = prefix + 'k'.repeat(250 - prefix.length);
    return [stored(await c.set(key, 'v', {})), await hit(key, 'v')];
  },
  key_251: async () => [await attempt(() => c.set(prefix + 'k'.repeat(251 - prefix.length), 'v', {}))],
  // memjs 1.3.2's stats callback never fires on a connection that has carried other requests
  // (seen against memcached 1.6 too): ask on a fresh client.
  stats: () =>
    new Promise((resolve) => {
      const fresh = connect();
      fresh.stats((err, _server, s) => {
        fresh.close();
        const ok = err === null && s !== null && 'pid' in s && 'uptime' in s;
        resolve([ok ? 'ok' : `bad:${(err?.message ?? 'no pid/uptime').replace(/\s+/g, '_')}`]);
      });
    }),
};

/** A step that has not settled after this long is reported as hung. */
const STEP_LIMIT_MS = 3000;

for (const [name, fn] of Object.entries(steps)) {
  let out: string;
  let timer: NodeJS.Timeout | undefined;
  try {
    const hung = new Promise<string[]>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no reply in ${STEP_LIMIT_MS} ms`));
      }, STEP_LIMIT_MS);
    });
    out = (await Promise.race([fn(), hung])).join(',');
  } catch (e) {
    out = `exception:${(e as Error).message.replace(/\s+/g, ' ').slice(0, 120)}`;
  } finally {
    clearTimeout(timer);
  }
  process.stdout.write(`STEP ${name} ${out}\n`);
}
process.stdout.write('DONE\n');
c.close();
