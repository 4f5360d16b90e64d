/**
 * The differential test's wire side: send one byte stream on a fresh connection, collect every
 * reply byte until the stream's end marker comes back or the server closes, and normalise the
 * bytes that legitimately differ run to run (cas values).
 *
 * End marker: each stream is followed by a marker request whose reply cannot occur earlier in the
 * stream (ASCII: set + get of a marker key with a marker value; binary: a NoOp with a marker
 * opaque). The marker's reply is cut off before comparing. No reply to the marker and no close
 * within the bound is a hang, which is a failure on its own.
 */
import net from 'node:net';

import { packet as bin } from '../helpers/binary-packets.js';

export { packet as bin, storeExtras, arithExtras, u32, type BinRequest } from '../helpers/binary-packets.js';

const RES_MAGIC = 0x81;
const HEADER = 24;

const ASCII_MARKER_KEY = '__differential_end__';
const ASCII_MARKER = `set ${ASCII_MARKER_KEY} 0 0 6\r\nMARKER\r\nget ${ASCII_MARKER_KEY}\r\n`;
const ASCII_MARKER_REPLY = Buffer.from(
  `STORED\r\nVALUE ${ASCII_MARKER_KEY} 0 6\r\nMARKER\r\nEND\r\n`,
  'latin1',
);
const BIN_MARKER_OPAQUE = 0x5e471e00;
const BIN_MARKER = bin({ opcode: 0x0a, opaque: BIN_MARKER_OPAQUE });
const BIN_MARKER_REPLY = (() => {
  const h = Buffer.alloc(HEADER);
  h[0] = RES_MAGIC;
  h[1] = 0x0a;
  h.writeUInt32BE(BIN_MARKER_OPAQUE, 12);
  return h;
})();

/** What one stream got back. */
export interface Exchange {
  /** Reply bytes before the end marker's reply. */
  readonly reply: Buffer;
  /** How the exchange ended. */
  readonly end: 'marker' | 'closed' | 'hang';
}

/**
 * Sends `stream` (+ the end marker unless `marker` is false, e.g. after `quit`) to 127.0.0.1:`port`
 * and collects the replies until the marker's reply, a close, or `boundMs` (a hang).
 */
export function exchange(
  port: number,
  stream: Buffer,
  protocol: 'ascii' | 'binary',
  boundMs: number,
  marker = true,
): Promise<Exchange> {
  const tail = protocol === 'ascii' ? ASCII_MARKER_REPLY : BIN_MARKER_REPLY;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const s = net.connect({ port, host: '127.0.0.1' });
    const finish = (end: Exchange['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const all = Buffer.concat(chunks, size);
      const ended =
        end === 'marker' || (all.length >= tail.length && all.subarray(-tail.length).equals(tail));
      resolve({
        reply: ended ? all.subarray(0, all.length - tail.length) : all,
        end: ended ? 'marker' : end,
      });
    };
    const timer = setTimeout(() => {
      finish('hang');
    }, boundMs);
    s.once('connect', () => {
      s.setNoDelay(true);
      s.write(
        marker
          ? Buffer.concat([stream, protocol === 'ascii' ? Buffer.from(ASCII_MARKER) : BIN_MARKER])
          : stream,
      );
    });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      const last = chunks.length === 1 ? d : Buffer.concat(chunks, size);
      if (last.length >= tail.length && last.subarray(-tail.length).equals(tail)) finish('marker');
    });
    s.once('close', () => {
      finish('closed');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      // A reset after the server closed is a close; a refused connect is a broken test setup.
      if (e.code === 'ECONNREFUSED') {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

/**
 * The reply as readable text with run-dependent bytes replaced: ASCII `VALUE k f n <cas>` cas
 * values, and in binary replies every packet's cas field. Binary packets are shown one per line
 * as `[status opcode opaque] key|extras|value` with printable bytes as they are.
 */
export function normalise(reply: Buffer, protocol: 'ascii' | 'binary'): string {
  if (protocol === 'ascii') {
    return reply.toString('latin1').replace(/^(VALUE \S+ \d+ \d+) \d+\r\n/gm, '$1 <cas>\r\n');
  }
  const out: string[] = [];
  let i = 0;
  while (i + HEADER <= reply.length) {
    const magic = reply[i] as number;
    const opcode = reply[i + 1] as number;
    const keyLen = reply.readUInt16BE(i + 2);
    const extLen = reply[i + 4] as number;
    const status = reply.readUInt16BE(i + 6);
    const body = reply.readUInt32BE(i + 8);
    const opaque = reply.readUInt32BE(i + 12);
    const cas = reply.readBigUInt64BE(i + 16);
    const payload = reply.subarray(i + HEADER, i + HEADER + body);
    const ext = payload.subarray(0, extLen).toString('hex');
    const key = payload.subarray(extLen, extLen + keyLen).toString('latin1');
    const value = payload.subarray(extLen + keyLen).toString('latin1');
    out.push(
      `[${magic.toString(16)} op=${opcode.toString(16)} status=${status.toString(16)} opaque=${opaque.toString(16)} cas=${cas === 0n ? '0' : '<cas>'}] ext=${ext} key=${JSON.stringify(key)} value=${JSON.stringify(value)}`,
    );
    i += HEADER + body;
  }
  if (i < reply.length)
    out.push(`<${reply.length - i} trailing bytes: ${reply.subarray(i).toString('hex')}>`);
  return out.join('\n');
}

/**
 * The normalised reply as compared: the version text reduced to `VERSION <x.y.z>` when it starts
 * with a major version >= 1 (memcached `1.6.18`, mcproxy `1.0.0 mcrouter`); for stats streams,
 * the STAT lines (ASCII) or packets with a key (binary) removed, keeping the reply's framing.
 */
export function comparable(reply: Buffer, protocol: 'ascii' | 'binary', stats = false): string {
  let text = normalise(reply, protocol)
    .replace(/VERSION ([1-9]\d*)\.\d+\.\d+[^\r\n]*\r\n/g, 'VERSION <x.y.z>\r\n')
    .replace(/(op=b status=0 [^\n]*value=)"[1-9]\d*\.\d+\.\d+[^"]*"/g, '$1"<x.y.z>"');
  if (stats) {
    text =
      protocol === 'ascii'
        ? text.replace(/STAT [^\r\n]*\r\n/g, '')
        : text
            .split('\n')
            .filter((l) => !/op=10 status=0 .*key="[^"]+"/.test(l))
            .join('\n');
  }
  return text;
}
