/**
 * A tiny authoritative DNS server on a loopback UDP port for tests: answers A and AAAA questions
 * from a table (RFC 1035 messages, built here byte by byte), NXDOMAIN for unknown names, and
 * SERVFAIL for names listed as failing. Queries are counted.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Records by name (lower case, no trailing dot). */
export interface DnsTable {
  readonly a?: Readonly<Record<string, readonly string[]>>;
  readonly aaaa?: Readonly<Record<string, readonly string[]>>;
  /** Names answered with SERVFAIL. */
  readonly fail?: readonly string[];
}

/** See the file comment. */
export class DnsServer {
  queries = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    public table: DnsTable,
  ) {
    socket.on('message', (msg, rinfo) => {
      this.queries++;
      const reply = this.answer(msg);
      if (reply !== null) socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  /** Starts on a free loopback port. */
  static async start(table: DnsTable): Promise<DnsServer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new DnsServer(socket, table);
  }

  /** `127.0.0.1:<port>`, for `Resolver.setServers` / `--dns-server`. */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) =>
      this.socket.close(() => {
        resolve();
      }),
    );
  }

  private answer(msg: Buffer): Buffer | null {
    if (msg.length < 12) return null;
    let off = 12;
    const labels: string[] = [];
    while (off < msg.length && msg[off] !== 0) {
      const len = msg[off] as number;
      labels.push(msg.toString('latin1', off + 1, off + 1 + len));
      off += 1 + len;
    }
    off += 1;
    const qtype = msg.readUInt16BE(off);
    const questionEnd = off + 4;
    const name = labels.join('.').toLowerCase();
    let rcode = 0;
    let records: readonly string[] = [];
    if (this.table.fail?.includes(name)) rcode = 2;
    else {
      const a = this.table.a?.[name];
      const aaaa = this.table.aaaa?.[name];
      if (a === undefined && aaaa === undefined) rcode = 3;
      else records = (qtype === 1 ? a : qtype === 28 ? aaaa : undefined) ?? [];
    }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const answers = records.map((ip) => {
      const rdata = qtype === 1 ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(30, 6);
      rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    return Buffer.concat([header, msg.subarray(12, questionEnd), ...answers]);
  }
}

function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
