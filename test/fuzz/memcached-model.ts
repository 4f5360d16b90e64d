/**
 * A reference model of memcached 1.6 as a client sees it through mcrouter: what each request
 * replies and how the store changes. Used by the session fuzz to predict the proxy's bytes.
 *
 * Covered (with mcrouter's defaults: incr/decr errors reach the client as NOT_FOUND):
 * get/gets (multi-key), set/add/replace/append/prepend, cas (with a unique that never
 * matches, so EXISTS/NOT_FOUND), delete, incr/decr (uint64 wrap, floor at 0, memcached's in-place
 * space padding when the number gets shorter), touch, noreply, keys over 250 bytes, values over
 * the proxy's --max-item-size, and lines memcached rejects in-band (`ERROR`, `CLIENT_ERROR …`; the
 * connection stays open). `gets` cas values are normalised to `<cas>` on both sides.
 */

/** One generated request: its bytes and what the model says it replies. */
export interface ModelStep {
  readonly bytes: Buffer;
  /** Reply bytes (latin1), '' for none. */
  readonly reply: string;
  /** The connection closes after this step's reply. */
  readonly closes: boolean;
}

interface Item {
  flags: number;
  value: Buffer;
}

const UINT64 = 2n ** 64n;
const NO_ROUTE = 'SERVER_ERROR RootRoute: No rh found\r\n';

/** A key with a `/region/cluster/` routing prefix: the proxy under test has no such route. */
function unrouted(key: string): boolean {
  return /^\/[^/]*\/[^/]*\//.test(key);
}

/** The model's store and reply rules. */
export class MemcachedModel {
  private readonly items = new Map<string, Item>();

  /** @param maxItemSize the proxy's --max-item-size, bytes */
  constructor(private readonly maxItemSize: number) {}

  private hit(key: string, item: Item, withCas: boolean): string {
    return `VALUE ${key} ${item.flags} ${item.value.length}${withCas ? ' <cas>' : ''}\r\n${item.value.toString('latin1')}\r\n`;
  }

  /** `get`/`gets` with one or more keys. */
  get(keys: readonly string[], withCas: boolean): ModelStep {
    const cmd = withCas ? 'gets' : 'get';
    const bytes = Buffer.from(`${cmd} ${keys.join(' ')}\r\n`, 'latin1');
    if (keys.some((k) => k.length > 250)) return { bytes, reply: 'CLIENT_ERROR bad key\r\n', closes: false };
    // The first error, in key order, is the whole reply.
    if (keys.some(unrouted)) return { bytes, reply: NO_ROUTE, closes: false };
    let reply = '';
    for (const k of keys) {
      const item = this.items.get(k);
      if (item !== undefined) reply += this.hit(k, item, withCas);
    }
    return { bytes, reply: `${reply}END\r\n`, closes: false };
  }

  /** set/add/replace/append/prepend/cas. */
  store(
    cmd: 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas',
    key: string,
    flags: number,
    value: Buffer,
    noreply: boolean,
  ): ModelStep {
    const casPart = cmd === 'cas' ? ' 18446744073709551615' : '';
    const head = Buffer.from(
      `${cmd} ${key} ${flags} 0 ${value.length}${casPart}${noreply ? ' noreply' : ''}\r\n`,
      'latin1',
    );
    const bytes = Buffer.concat([head, value, Buffer.from('\r\n')]);
    const out = (line: string): ModelStep => ({ bytes, reply: noreply ? '' : line, closes: false });
    if (value.length > this.maxItemSize) return out('SERVER_ERROR object too large for cache\r\n');
    if (key.length > 250) return out('CLIENT_ERROR bad key\r\n');
    if (unrouted(key)) return out(NO_ROUTE);
    const item = this.items.get(key);
    switch (cmd) {
      case 'set':
        this.items.set(key, { flags, value });
        return out('STORED\r\n');
      case 'add':
        if (item !== undefined) return out('NOT_STORED\r\n');
        this.items.set(key, { flags, value });
        return out('STORED\r\n');
      case 'replace':
        if (item === undefined) return out('NOT_STORED\r\n');
        this.items.set(key, { flags, value });
        return out('STORED\r\n');
      case 'append':
      case 'prepend':
        if (item === undefined) return out('NOT_STORED\r\n');
        item.value =
          cmd === 'append' ? Buffer.concat([item.value, value]) : Buffer.concat([value, item.value]);
        return out('STORED\r\n');
      case 'cas':
        return out(item === undefined ? 'NOT_FOUND\r\n' : 'EXISTS\r\n');
    }
  }

  delete(key: string, noreply: boolean): ModelStep {
    const bytes = Buffer.from(`delete ${key}${noreply ? ' noreply' : ''}\r\n`, 'latin1');
    let reply: string;
    if (key.length > 250) reply = 'CLIENT_ERROR bad key\r\n';
    else if (unrouted(key)) reply = NO_ROUTE;
    else reply = this.items.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n';
    return { bytes, reply: noreply ? '' : reply, closes: false };
  }

  touch(key: string, noreply: boolean): ModelStep {
    const bytes = Buffer.from(`touch ${key} 0${noreply ? ' noreply' : ''}\r\n`, 'latin1');
    const reply = unrouted(key) ? NO_ROUTE : this.items.has(key) ? 'TOUCHED\r\n' : 'NOT_FOUND\r\n';
    return { bytes, reply: noreply ? '' : reply, closes: false };
  }

  /** incr/decr with memcached's arithmetic and in-place formatting. */
  arith(cmd: 'incr' | 'decr', key: string, delta: bigint, noreply: boolean): ModelStep {
    const bytes = Buffer.from(`${cmd} ${key} ${delta}${noreply ? ' noreply' : ''}\r\n`, 'latin1');
    const out = (line: string): ModelStep => ({ bytes, reply: noreply ? '' : line, closes: false });
    if (unrouted(key)) return out(NO_ROUTE);
    const item = this.items.get(key);
    if (item === undefined) return out('NOT_FOUND\r\n');
    const text = item.value.toString('latin1');
    // memcached's safe_strtoull: digits, then only whitespace; must fit in 64 bits.
    const m = /^(\d+)\s*$/.exec(text);
    if (m === null || BigInt(m[1] as string) >= UINT64) {
      // memcached: CLIENT_ERROR cannot increment or decrement non-numeric value; mcrouter turns
      // incr/decr errors into NOT_FOUND (miss_on_arith_errors, its default).
      return out('NOT_FOUND\r\n');
    }
    let n = BigInt(m[1] as string);
    n = cmd === 'incr' ? (n + delta) % UINT64 : n > delta ? n - delta : 0n;
    const digits = n.toString();
    // In place when it fits: padded with spaces to the old length; else a new, exact-length item.
    item.value =
      digits.length <= item.value.length
        ? Buffer.from(digits.padEnd(item.value.length, ' '), 'latin1')
        : Buffer.from(digits, 'latin1');
    return out(`${digits}\r\n`);
  }

  /** A line answered in-band with `reply` (memcached's error texts); the connection stays. */
  rejected(line: string, reply: string): ModelStep {
    return { bytes: Buffer.from(`${line}\r\n`, 'latin1'), reply: `${reply}\r\n`, closes: false };
  }
}
