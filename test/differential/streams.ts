/**
 * The byte streams the differential test sends to memcached and to mcproxy: well-formed and
 * malformed, ASCII and binary. Streams run in this order on both sides (each on a fresh
 * connection), so the servers' contents evolve the same way; keys are per stream.
 */
import { arithExtras, bin, storeExtras, u32 } from './wire.js';

/** One stream. */
export interface Stream {
  readonly name: string;
  readonly protocol: 'ascii' | 'binary';
  readonly bytes: Buffer;
  /** The stream ends the connection itself (quit): no end marker is sent after it. */
  readonly closes?: boolean;
  /** Stats replies: the STAT lines/packets are the server's own figures and are not compared. */
  readonly stats?: boolean;
}

const K251 = 'k'.repeat(251);
const K250 = 'k'.repeat(250);

/** ASCII streams as [name, text]; `$k` is replaced by a key unique to the stream. */
const ASCII: readonly (readonly [string, string, Partial<Stream>?])[] = [
  // Storage and retrieval.
  ['set get', 'set $k 5 0 3\r\nabc\r\nget $k\r\n'],
  ['set with crlf in value', 'set $k 0 0 8\r\na\r\nEND\r\n\r\nget $k\r\n'],
  ['gets', 'set $k 0 0 1\r\nx\r\ngets $k\r\n'],
  ['multi-get with misses', 'set $k1 0 0 1\r\na\r\nset $k3 1 0 1\r\nc\r\nget $k1 $k2 $k3 $k4\r\n'],
  ['gets multi', 'set $k1 0 0 1\r\na\r\ngets $k1 $k2\r\n'],
  ['add new then existing', 'add $k 0 0 1\r\na\r\nadd $k 0 0 1\r\nb\r\nget $k\r\n'],
  [
    'replace missing then existing',
    'replace $k 0 0 1\r\na\r\nset $k 0 0 1\r\na\r\nreplace $k 0 0 1\r\nb\r\nget $k\r\n',
  ],
  [
    'append prepend',
    'append $k 0 0 1\r\nx\r\nset $k 0 0 1\r\nb\r\nappend $k 0 0 1\r\nc\r\nprepend $k 0 0 1\r\na\r\nget $k\r\n',
  ],
  [
    'cas stale and missing',
    'set $k 0 0 1\r\na\r\ncas $k 0 0 1 1\r\nb\r\ncas $kmiss 0 0 1 1\r\nb\r\nget $k\r\n',
  ],
  ['incr decr', 'set $k 0 0 2\r\n10\r\nincr $k 5\r\ndecr $k 100\r\nincr $kmiss 1\r\ndecr $kmiss 1\r\n'],
  ['incr wraps at 2^64', 'set $k 0 0 20\r\n18446744073709551615\r\nincr $k 2\r\n'],
  ['incr non-numeric value', 'set $k 0 0 3\r\nabc\r\nincr $k 1\r\n'],
  ['incr delta 2^64', 'set $k 0 0 1\r\n1\r\nincr $k 18446744073709551616\r\nget $k\r\n'],
  ['incr delta not a number', 'set $k 0 0 1\r\n1\r\nincr $k abc\r\nget $k\r\n'],
  ['touch hit miss', 'set $k 0 0 1\r\na\r\ntouch $k 100\r\ntouch $kmiss 100\r\n'],
  ['gat gats', 'set $k 3 0 1\r\na\r\ngat 100 $k $kmiss\r\ngats 100 $k\r\n'],
  ['delete hit miss', 'set $k 0 0 1\r\na\r\ndelete $k\r\ndelete $k\r\nget $k\r\n'],
  ['delete with 0', 'set $k 0 0 1\r\na\r\ndelete $k 0\r\n'],
  ['delete with a time', 'set $k 0 0 1\r\na\r\ndelete $k 10\r\n'],
  ['flags 2^32-1', 'set $k 4294967295 0 1\r\na\r\nget $k\r\n'],
  ['250-byte key', `set ${K250} 0 0 1\r\na\r\nget ${K250}\r\n`],
  // noreply.
  [
    'noreply on every update',
    'set $k 0 0 1 noreply\r\n1\r\nadd $k 0 0 1 noreply\r\n2\r\nreplace $k 0 0 1 noreply\r\n3\r\nappend $k 0 0 1 noreply\r\n4\r\nprepend $k 0 0 1 noreply\r\n5\r\ncas $k 0 0 1 1 noreply\r\n6\r\nget $k\r\n',
  ],
  [
    'noreply arithmetic, touch, delete',
    'set $k 0 0 1\r\n1\r\nincr $k 5 noreply\r\ndecr $k 2 noreply\r\ntouch $k 10 noreply\r\nget $k\r\ndelete $k noreply\r\nget $k\r\n',
  ],
  [
    'noreply errors stay silent',
    'incr $kmiss 1 noreply\r\ndelete $kmiss noreply\r\nadd $k 0 0 1 noreply\r\na\r\nadd $k 0 0 1 noreply\r\nb\r\nget $k\r\n',
  ],
  // Admin and server commands.
  ['version', 'version\r\n'],
  ['version with tokens', 'version foo bar\r\n'],
  ['version noreply', 'version noreply\r\n'],
  ['verbosity', 'verbosity 1\r\n'],
  ['verbosity noreply', 'verbosity 1 noreply\r\nversion\r\n'],
  ['verbosity without level', 'verbosity\r\n'],
  ['verbosity with junk', 'verbosity foo bar my\r\n'],
  ['flush_all', 'set $k 0 0 1\r\na\r\nflush_all\r\nget $k\r\n'],
  ['flush_all 0', 'flush_all 0\r\n'],
  ['flush_all noreply', 'flush_all noreply\r\nversion\r\n'],
  ['flush_all delay noreply then now', 'flush_all 10 noreply\r\nflush_all\r\n'],
  ['flush_all bad delay', 'flush_all abc\r\n'],
  ['stats', 'stats\r\n', { stats: true }],
  ['stats settings', 'stats settings\r\n', { stats: true }],
  ['stats items', 'stats items\r\n', { stats: true }],
  ['stats slabs', 'stats slabs\r\n', { stats: true }],
  ['stats sizes', 'stats sizes\r\n', { stats: true }],
  ['stats conns', 'stats conns\r\n', { stats: true }],
  ['stats unknown group', 'stats foo\r\n'],
  ['stats reset', 'stats reset\r\n'],
  ['config get cluster', 'config get cluster\r\n'],
  ['quit', 'quit\r\n', { closes: true }],
  ['quit with tokens', 'quit foo bar\r\n'],
  // Malformed lines.
  ['unknown command', 'foo bar\r\nget $k\r\n'],
  ['empty line', '\r\nget $k\r\n'],
  ['upper-case command', 'GET $k\r\n'],
  ['lf only line ending', 'set $k 0 0 1\na\r\nget $k\n'],
  ['get without key', 'get\r\n'],
  ['get 251-byte key', `get ${K251}\r\n`],
  ['set 251-byte key', `set ${K251} 0 0 1\r\na\r\nget $k\r\n`],
  ['set without length', 'set $k 0 0\r\nget $k\r\n'],
  ['set length not a number', 'set $k 0 0 abc\r\nget $k\r\n'],
  ['set negative length', 'set $k 0 0 -1\r\nget $k\r\n'],
  ['set flags 2^32', 'set $k 4294967296 0 1\r\na\r\nget $k\r\n'],
  ['set negative flags', 'set $k -1 0 1\r\na\r\nget $k\r\n'],
  ['set exptime beyond int32', 'set $k 0 99999999999 1\r\na\r\nget $k\r\n'],
  ['set exptime not a number', 'set $k 0 abc 1\r\na\r\nget $k\r\n'],
  ['set too many tokens', 'set $k 0 0 1 noreply extra\r\na\r\nget $k\r\n'],
  ['bad data chunk (too long)', 'set $k 0 0 3\r\nabcde\r\nget $k\r\n'],
  ['bad data chunk (no crlf)', 'set $k 0 0 3\r\nabcXYget $k\r\n'],
  ['touch exptime not a number', 'touch $k abc\r\n'],
  ['touch exptime beyond int32', 'set $k 0 0 1\r\na\r\ntouch $k 99999999999\r\n'],
  ['cas without unique', 'cas $k 0 0 1\r\na\r\nget $k\r\n'],
  ['cas unique not a number', 'cas $k 0 0 1 abc\r\na\r\nget $k\r\n'],
  ['incr without delta', 'incr $k\r\n'],
  ['delete with junk', 'delete $k foo\r\n'],
  ['long line', `get ${'a'.repeat(3000)}\r\nget $k\r\n`],
  // Pipelined mixes.
  [
    'pipelined mix',
    'set $k1 0 0 1\r\na\r\nget $k1\r\nfoo\r\nset $k2 0 0 1\r\n7\r\nincr $k2 1\r\ndelete $k1\r\nget $k1 $k2\r\nversion\r\n',
  ],
  [
    'pipelined errors keep the stream in step',
    'get\r\nset $k 0 0 1\r\na\r\nbogus\r\nget $k\r\nincr $k x\r\nget $k\r\n',
  ],
];

let n = 0;
function asciiStream(name: string, text: string, extra: Partial<Stream> = {}): Stream {
  const id = `dk${String(n++)}`;
  const bytes = Buffer.from(text.replace(/\$k/g, id), 'latin1');
  return { name, protocol: 'ascii', bytes, ...extra };
}

const GET = 0x00;
const SET = 0x01;
const ADD = 0x02;
const REPLACE = 0x03;
const DELETE = 0x04;
const INCR = 0x05;
const DECR = 0x06;
const QUIT = 0x07;
const FLUSH = 0x08;
const GETQ = 0x09;
const NOOP = 0x0a;
const VERSION = 0x0b;
const GETK = 0x0c;
const GETKQ = 0x0d;
const APPEND = 0x0e;
const PREPEND = 0x0f;
const STAT = 0x10;
const SETQ = 0x11;
const ADDQ = 0x12;
const DELETEQ = 0x14;
const INCRQ = 0x15;
const QUITQ = 0x17;
const FLUSHQ = 0x18;
const VERBOSITY = 0x1b;
const TOUCH = 0x1c;
const GAT = 0x1d;
const GATQ = 0x1e;
const SASL_LIST_MECHS = 0x20;
const GATK = 0x23;
const NO_CREATE = 0xffffffff;

/** Binary streams; `k` is a key unique to the stream. */
const BINARY: readonly (readonly [string, (k: string) => Buffer[], Partial<Stream>?])[] = [
  ['bin get miss', (k) => [bin({ opcode: GET, key: k, opaque: 1 })]],
  [
    'bin set get getk',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(7, 0), value: 'abc', opaque: 1 }),
      bin({ opcode: GET, key: k, opaque: 2 }),
      bin({ opcode: GETK, key: k, opaque: 3 }),
    ],
  ],
  [
    'bin getq getkq hit and miss, then noop',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'v', opaque: 1 }),
      bin({ opcode: GETQ, key: k, opaque: 2 }),
      bin({ opcode: GETQ, key: `${k}miss`, opaque: 3 }),
      bin({ opcode: GETKQ, key: k, opaque: 4 }),
      bin({ opcode: GETKQ, key: `${k}miss`, opaque: 5 }),
      bin({ opcode: NOOP, opaque: 6 }),
    ],
  ],
  [
    'bin add existing, replace missing',
    (k) => [
      bin({ opcode: ADD, key: k, extras: storeExtras(0, 0), value: 'a', opaque: 1 }),
      bin({ opcode: ADD, key: k, extras: storeExtras(0, 0), value: 'b', opaque: 2 }),
      bin({ opcode: REPLACE, key: `${k}miss`, extras: storeExtras(0, 0), value: 'c', opaque: 3 }),
    ],
  ],
  [
    'bin set with stale cas',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'a', opaque: 1 }),
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'b', opaque: 2, cas: 1n }),
      bin({ opcode: SET, key: `${k}miss`, extras: storeExtras(0, 0), value: 'b', opaque: 3, cas: 1n }),
    ],
  ],
  [
    'bin quiet sets and deletes',
    (k) => [
      bin({ opcode: SETQ, key: k, extras: storeExtras(0, 0), value: 'q', opaque: 1 }),
      bin({ opcode: ADDQ, key: k, extras: storeExtras(0, 0), value: 'q', opaque: 2 }),
      bin({ opcode: DELETEQ, key: `${k}miss`, opaque: 3 }),
      bin({ opcode: GET, key: k, opaque: 4 }),
    ],
  ],
  [
    'bin delete hit miss',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'a', opaque: 1 }),
      bin({ opcode: DELETE, key: k, opaque: 2 }),
      bin({ opcode: DELETE, key: k, opaque: 3 }),
    ],
  ],
  [
    'bin incr create, no-create, decr below 0',
    (k) => [
      bin({ opcode: INCR, key: k, extras: arithExtras(1n, 10n, 0), opaque: 1 }),
      bin({ opcode: INCR, key: k, extras: arithExtras(5n, 10n, 0), opaque: 2 }),
      bin({ opcode: DECR, key: k, extras: arithExtras(100n, 0n, 0), opaque: 3 }),
      bin({ opcode: INCR, key: `${k}miss`, extras: arithExtras(1n, 0n, NO_CREATE), opaque: 4 }),
      bin({ opcode: INCRQ, key: k, extras: arithExtras(1n, 0n, 0), opaque: 5 }),
      // The value is read with an Increment by 0, not a Get: a Get pipelined behind a creating
      // Increment can reach the server before the proxy's `add` (docs/binary-protocol.md,
      // "Differences from memcached"), and whether it does depends on how the bytes are read.
      bin({ opcode: INCR, key: k, extras: arithExtras(0n, 0n, 0), opaque: 6 }),
    ],
  ],
  [
    'bin incr non-numeric',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'abc', opaque: 1 }),
      bin({ opcode: INCR, key: k, extras: arithExtras(1n, 0n, 0), opaque: 2 }),
    ],
  ],
  [
    'bin append prepend',
    (k) => [
      bin({ opcode: APPEND, key: k, value: 'x', opaque: 1 }),
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'b', opaque: 2 }),
      bin({ opcode: APPEND, key: k, value: 'c', opaque: 3 }),
      bin({ opcode: PREPEND, key: k, value: 'a', opaque: 4 }),
      bin({ opcode: GET, key: k, opaque: 5 }),
    ],
  ],
  [
    'bin touch gat gatk gatq',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(9, 0), value: 'a', opaque: 1 }),
      bin({ opcode: TOUCH, key: k, extras: u32(100), opaque: 2 }),
      bin({ opcode: TOUCH, key: `${k}miss`, extras: u32(100), opaque: 3 }),
      bin({ opcode: GAT, key: k, extras: u32(100), opaque: 4 }),
      bin({ opcode: GATK, key: k, extras: u32(100), opaque: 5 }),
      bin({ opcode: GATQ, key: `${k}miss`, extras: u32(100), opaque: 6 }),
      bin({ opcode: NOOP, opaque: 7 }),
    ],
  ],
  ['bin version', () => [bin({ opcode: VERSION, opaque: 1 })]],
  // memcached 1.6 answers Verbosity "Unknown command" without reading its extras (the stream then
  // loses step), so the packet goes without extras.
  ['bin verbosity', () => [bin({ opcode: VERBOSITY, opaque: 1 })]],
  ['bin stat', () => [bin({ opcode: STAT, opaque: 1 })], { stats: true }],
  ['bin stat settings', () => [bin({ opcode: STAT, key: 'settings', opaque: 1 })], { stats: true }],
  [
    'bin flush and flushq',
    (k) => [
      bin({ opcode: SET, key: k, extras: storeExtras(0, 0), value: 'a', opaque: 1 }),
      bin({ opcode: FLUSH, opaque: 2 }),
      bin({ opcode: FLUSHQ, opaque: 3 }),
      bin({ opcode: GET, key: k, opaque: 4 }),
    ],
  ],
  ['bin sasl list mechs', () => [bin({ opcode: SASL_LIST_MECHS, opaque: 1 })]],
  ['bin unknown opcode', () => [bin({ opcode: 0x50, opaque: 1 })]],
  ['bin quit', () => [bin({ opcode: QUIT, opaque: 1 })], { closes: true }],
  ['bin quitq', () => [bin({ opcode: QUITQ, opaque: 1 })], { closes: true }],
  // Malformed packets.
  ['bin 251-byte key', () => [bin({ opcode: GET, key: K251, opaque: 1 })]],
  ['bin set without extras', (k) => [bin({ opcode: SET, key: k, value: 'a', opaque: 1 })]],
  ['bin get with extras', (k) => [bin({ opcode: GET, key: k, extras: u32(1), opaque: 1 })]],
  ['bin get without key', () => [bin({ opcode: GET, opaque: 1 })]],
  [
    'bin value too large',
    (k) => [
      bin({
        opcode: SET,
        key: k,
        extras: storeExtras(0, 0),
        value: Buffer.alloc(2 * 1024 * 1024, 120),
        opaque: 1,
      }),
    ],
  ],
  [
    'bin bad magic after a good packet',
    (k) => [
      bin({ opcode: GET, key: k, opaque: 1 }),
      Buffer.from('\x81\x00\x00\x00', 'latin1'),
      Buffer.alloc(20),
    ],
  ],
  [
    'bin pipelined mix',
    (k) => [
      bin({ opcode: SETQ, key: `${k}1`, extras: storeExtras(1, 0), value: 'one', opaque: 1 }),
      bin({ opcode: GETKQ, key: `${k}1`, opaque: 2 }),
      bin({ opcode: GETKQ, key: `${k}2`, opaque: 3 }),
      bin({ opcode: INCR, key: `${k}3`, extras: arithExtras(2n, 40n, 0), opaque: 4 }),
      bin({ opcode: DELETEQ, key: `${k}1`, opaque: 5 }),
      bin({ opcode: GETK, key: `${k}1`, opaque: 6 }),
      bin({ opcode: NOOP, opaque: 7 }),
    ],
  ],
];

/** Every stream, in sending order. */
export const STREAMS: readonly Stream[] = [
  ...ASCII.map(([name, text, extra]) => asciiStream(name, text, extra)),
  ...BINARY.map(([name, build, extra]) => {
    const k = `bk${String(n++)}`;
    return { name, protocol: 'binary' as const, bytes: Buffer.concat(build(k)), ...extra };
  }),
];
