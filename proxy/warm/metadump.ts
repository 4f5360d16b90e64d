/**
 * `lru_crawler metadump <all|classes>` (memcached ≥ 1.4.31), read as a stream
 * (`memcached/crawler.c` `crawler_metadump_eval` / `_finalize`, `memcached/proto_text.c`
 * `process_lru_crawler_command`, doc/protocol.txt "lru_crawler metadump"):
 *
 *   key=<uri-encoded key> exp=<unix s|-1> la=<unix s> cas=<n> fetch=<yes|no> cls=<n> size=<bytes>[ flags=<n>]…\n
 *   …
 *   END\r\n
 *
 * Item lines end with a bare LF; the last line is `END\r\n`, or `ERROR locked try again later`
 * when the crawl was interrupted. Instead of a dump the server may answer one line: `BUSY
 * currently processing crawler request` (another crawl runs), `CLIENT_ERROR lru crawler disabled`,
 * `ERROR metadump not allowed` (started with dumping disabled), `ERROR cannot pipeline other
 * commands before metadump`, `NOTSTARTED no items to crawl` (nothing to list: an empty dump), or
 * a bare `ERROR` (a server without the command).
 */
import { parseUint } from '../protocol/ascii.js';
import { WarmError } from '../errors.js';
import type { KeyCatalog } from './key-catalog.js';
import { uriDecodeInto } from './uri-key.js';

const LF = 10;
/** An encoded key is at most 3 × 250 bytes; a line with every field fits in this. */
const MAX_LINE = 4096;

/**
 * Parses a metadump stream into a `KeyCatalog`, chunk by chunk.
 * Expired items are already left out by memcached; items with a malformed line are counted in
 * `malformed` and skipped.
 */
export class MetadumpReader {
  private carry: Buffer | null = null;
  /** True once `END` (or NOTSTARTED) was read. */
  done = false;
  /** Lines that did not parse (skipped). */
  malformed = 0;
  /** Keys listed so far. */
  listed = 0;

  /**
   * @param catalog where the keys go
   * @param source the source's index, recorded with each key
   * @param server `host:port`, for errors
   */
  constructor(
    private readonly catalog: KeyCatalog,
    private readonly source: number,
    private readonly server: string,
  ) {}

  /**
   * Consumes a chunk.
   * @returns true when the dump is complete
   * @throws WarmError `MCR_ERR_WARM_ENUM_REFUSED` / `MCR_ERR_WARM_ENUM_BUSY` when the server
   *   answers with one of the refusals above, `MCR_ERR_WARM_SOURCE` for anything else unexpected
   */
  feed(chunk: Buffer): boolean {
    let pos = 0;
    if (this.carry !== null) {
      // Complete the partial line with the head of this chunk; the rest is parsed in place.
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        if (this.carry.length > MAX_LINE)
          throw new WarmError('metadump line too long', 'MCR_ERR_WARM_SOURCE', this.server);
        return false;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = null;
      this.lines(line, 0);
      pos = nl + 1;
    }
    this.lines(chunk, pos);
    return this.done;
  }

  private lines(buf: Buffer, from: number): void {
    let pos = from;
    while (pos < buf.length && !this.done) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        if (buf.length - pos > MAX_LINE)
          throw new WarmError('metadump line too long', 'MCR_ERR_WARM_SOURCE', this.server);
        this.carry = Buffer.from(buf.subarray(pos));
        return;
      }
      const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (buf[pos] === 0x6b && buf[pos + 1] === 0x65 && buf[pos + 2] === 0x79 && buf[pos + 3] === 0x3d)
        this.item(buf, pos, end);
      else this.line(buf, pos, end);
      pos = nl + 1;
    }
  }

  private line(buf: Buffer, start: number, end: number): void {
    const text = buf.toString('latin1', start, end);
    if (text === 'END' || text.startsWith('NOTSTARTED')) {
      this.done = true;
      return;
    }
    if (text.startsWith('BUSY') || text === 'ERROR locked try again later')
      throw new WarmError(
        `lru_crawler metadump: "${text}" (the LRU crawler is busy; try again later)`,
        'MCR_ERR_WARM_ENUM_BUSY',
        this.server,
      );
    if (text === 'ERROR' || text.startsWith('CLIENT_ERROR') || text.startsWith('ERROR'))
      throw new WarmError(
        `the source refused key enumeration (lru_crawler metadump answered "${text}"; it needs memcached >= 1.4.31 with the LRU crawler on and dumping allowed)`,
        'MCR_ERR_WARM_ENUM_REFUSED',
        this.server,
      );
    throw new WarmError(
      `unexpected metadump line "${text.slice(0, 80)}"`,
      'MCR_ERR_WARM_SOURCE',
      this.server,
    );
  }

  /** `key=… exp=… la=<n> … size=<n> …`: the fields are found by their first letters, in one pass. */
  private item(buf: Buffer, start: number, end: number): void {
    let sp = buf.indexOf(32, start);
    if (sp < 0 || sp > end) sp = end;
    let la = -1;
    let size = -1;
    let i = sp + 1;
    while (i < end) {
      let next = buf.indexOf(32, i);
      if (next < 0 || next > end) next = end;
      const c = buf[i];
      if (c === 0x6c && buf[i + 1] === 0x61 && buf[i + 2] === 0x3d)
        la = parseUint(buf, i + 3, next, 0xffffffff);
      else if (c === 0x73 && buf[i + 1] === 0x69 && buf[i + 4] === 0x3d)
        size = parseUint(buf, i + 5, next, 0xffffffff);
      i = next + 1;
    }
    const encodedLength = sp - start - 4;
    if (la < 0 || size < 0 || encodedLength <= 0) {
      this.malformed++;
      return;
    }
    const { buf: arena, at } = this.catalog.reserve(encodedLength);
    const keyEnd = uriDecodeInto(buf, start + 4, sp, arena, at);
    if (keyEnd < 0 || keyEnd - at > 250) {
      this.malformed++;
      return;
    }
    this.catalog.commit(keyEnd - at, la, size, this.source);
    this.listed++;
  }
}
