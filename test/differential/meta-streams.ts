/**
 * Meta-protocol byte streams for the differential test (`meta-differential.test.ts`): every
 * command and every flag memcached 1.6 documents (doc/protocol.txt) — the ones 1.6.18 rejects
 * too (`E`, `x`), so its error comes back the same way — on hits and misses, quiet mode,
 * pipelines, base64 keys and malformed lines. `$k` is a key unique to the stream, `$b` the same
 * key base64-encoded (sent with the `b` flag).
 */

/** One meta stream. */
export interface MetaStream {
  readonly name: string;
  readonly text: string;
}

/** Sets `$k` to `abc`, client flags 7, TTL 100 s. */
const SEED = 'ms $k 3 F7 T100\r\nabc\r\n';
/** A numeric value for `ma`. */
const SEED_NUM = 'ms $k 2 T100\r\n10\r\n';

const MG_FLAGS = [
  'v',
  's',
  't',
  'f',
  'c',
  'h',
  'l',
  'k',
  'O123',
  'q',
  'u',
  'E5',
  'N30',
  'R30',
  'T30',
  'b',
  'x',
];
const MS_FLAGS = [
  'T30',
  'F9',
  'C1',
  'I',
  'k',
  'O55',
  'q',
  'c',
  'MS',
  'ME',
  'MA',
  'MP',
  'MR',
  'MX',
  'E9',
  'b',
];
const MD_FLAGS = ['q', 'k', 'O7', 'C1', 'I', 'T30', 'x', 'b', 'E9'];
const MA_FLAGS = [
  'N30',
  'J5',
  'D3',
  'T30',
  'MI',
  'M+',
  'MD',
  'M-',
  'q',
  'O8',
  't',
  'c',
  'v',
  'k',
  'MZ',
  'b',
  'E9',
];

const cases: [string, string][] = [];

for (const f of MG_FLAGS) {
  cases.push([`mg ${f} hit`, `${SEED}mg $k ${f}\r\nmn\r\n`]);
  cases.push([`mg ${f} miss`, `mg $k ${f}\r\nmn\r\n`]);
}
for (const f of MG_FLAGS) {
  if (f !== 'v') cases.push([`mg v ${f} hit`, `${SEED}mg $k v ${f}\r\n`]);
}
for (const f of MS_FLAGS) {
  cases.push([`ms ${f} new`, `ms $k 2 ${f}\r\nhi\r\nmg $k v f t\r\nmn\r\n`]);
  cases.push([`ms ${f} existing`, `${SEED}ms $k 2 ${f}\r\nhi\r\nmg $k v f t\r\nmn\r\n`]);
}
for (const f of MD_FLAGS) {
  cases.push([`md ${f} hit`, `${SEED}md $k ${f}\r\nmg $k v c t\r\nmn\r\n`]);
  cases.push([`md ${f} miss`, `md $k ${f}\r\nmn\r\n`]);
}
for (const f of MA_FLAGS) {
  cases.push([`ma ${f} hit`, `${SEED_NUM}ma $k ${f}\r\nmg $k v t\r\nmn\r\n`]);
  cases.push([`ma ${f} miss`, `ma $k ${f}\r\nmg $k v\r\nmn\r\n`]);
}

const more: [string, string][] = [
  // Flag order is the reply's order.
  ['mg flags in order', `${SEED}mg $k k v O1 t s f c\r\nmg $k O2 c f s t v k\r\n`],
  ['mg every return flag', `${SEED}mg $k s t f c h l k O999 v\r\n`],
  ['mg hit counts h after a fetch', `${SEED}mg $k h\r\nmg $k h v\r\nmg $k h l\r\n`],
  ['mg without flags', `${SEED}mg $k\r\nmg $kmiss\r\n`],
  ['mg touch then ttl', `${SEED}mg $k T-1 t\r\nmg $k t\r\nmg $k T0 t v\r\n`],
  ['mg u does not bump', `${SEED}mg $k u v h\r\nmg $k h\r\n`],
  // Stampede protection: vivify, recache, stale.
  ['mg vivify twice', 'mg $k N30 v c t\r\nmg $k N30 v t\r\nmg $k v t\r\nmn\r\n'],
  ['mg vivify then set', 'mg $k N30 s\r\nms $k 1 T30\r\nz\r\nmg $k N30 v s\r\n'],
  ['mg recache win then token sent', 'ms $k 1 T10\r\nz\r\nmg $k R30 v t\r\nmg $k R30 v t\r\n'],
  ['mg recache no win', 'ms $k 1 T100\r\nz\r\nmg $k R30 v t\r\n'],
  ['md stale then mg', `${SEED}md $k I T30\r\nmg $k v t\r\nmg $k v t\r\nmd $k I\r\nmg $k v\r\n`],
  ['ms stale invalidation needs cas', `${SEED}md $k I\r\nms $k 1 I\r\nq\r\nmg $k v\r\n`],
  // Quiet mode.
  ['quiet get pipeline', `${SEED}mg $k q v k\r\nmg $kmiss q v k\r\nmg $k q k\r\nmn\r\n`],
  ['quiet set pipeline', 'ms $k1 1 q\r\na\r\nms $k2 1 q ME\r\nb\r\nms $k2 1 q ME\r\nc\r\nmn\r\nmg $k2 v\r\n'],
  ['quiet delete pipeline', `${SEED}md $k q\r\nmd $k q\r\nmd $k q C99\r\nmn\r\n`],
  [
    'quiet arith pipeline',
    `${SEED_NUM}ma $k q\r\nma $k q v\r\nma $kmiss q\r\nma $kmiss2 q N0 J7 v\r\nmn\r\nmg $k v\r\n`,
  ],
  ['quiet errors still answer', 'mg $k q zz\r\nms $k 1 q MX\r\na\r\nmd $k q q\r\nmn\r\n'],
  ['quiet opaque on miss', 'mg $k q O1\r\nmg $k O2\r\nmn\r\n'],
  ['q twice is a duplicate flag', 'mg $k q q\r\nmn\r\n'],
  // mn.
  ['mn alone', 'mn\r\n'],
  ['mn with tokens', 'mn foo bar\r\n'],
  ['mn between requests', `${SEED}mn\r\nmg $k v\r\nmn\r\nmn\r\n`],
  // me.
  ['me hit', `ms $k 3\r\nabc\r\nme $k\r\n`],
  ['me miss', 'me $k\r\n'],
  ['me without key', 'me\r\n'],
  ['me base64', 'ms $b 3 b\r\nabc\r\nme $b b\r\n'],
  ['me base64 miss', 'me $b b\r\n'],
  // Base64 keys.
  ['b set get', 'ms $b 3 b T100 k\r\nabc\r\nmg $b b v k t\r\nmg $k v\r\n'],
  ['b delete', 'ms $b 1 b\r\nz\r\nmd $b b k\r\nmd $b b k\r\n'],
  ['b arith', 'ma $b b N0 J3 v k\r\nma $b b v\r\n'],
  ['b invalid', 'mg !!!! b v\r\nms !!!! 1 b\r\nz\r\nmd !!!! b\r\nma !!!! b\r\n'],
  ['b key not text', 'ms AAECA/8= 2 b\r\nhi\r\nmg AAECA/8= b k v\r\n'],
  ['b and text key differ', 'ms $k 1\r\nt\r\nmg $b b v\r\n'],
  // Arithmetic edge cases.
  ['ma non-numeric', 'ms $k 3\r\nabc\r\nma $k\r\n'],
  ['ma wraps', 'ms $k 20\r\n18446744073709551615\r\nma $k v\r\n'],
  ['ma decr floors at 0', 'ms $k 1\r\n5\r\nma $k MD D9 v\r\n'],
  ['ma bad delta', `${SEED_NUM}ma $k Dabc\r\nma $k D18446744073709551616\r\n`],
  ['ma bad initial', 'ma $k N0 Jx\r\n'],
  ['ma cas mismatch', `${SEED_NUM}ma $k C1 v\r\n`],
  // ms details.
  ['ms zero length', 'ms $k 0\r\n\r\nmg $k v s\r\n'],
  ['ms value with crlf', 'ms $k 5\r\na\r\nb\r\r\nmg $k v\r\n'],
  ['ms append to missing', 'ms $k 1 MA\r\nz\r\n'],
  ['ms cas flow', `${SEED}ms $k 1 C1\r\nz\r\nms $kmiss 1 C1\r\nz\r\n`],
  ['ms flags 2^32-1', 'ms $k 1 F4294967295\r\nz\r\nmg $k f v\r\n'],
  ['ms bad flags', 'ms $k 1 Fx\r\nz\r\nmg $k v\r\n'],
  ['ms negative ttl', 'ms $k 1 T-1\r\nz\r\nmg $k v\r\n'],
  ['ms bad ttl', 'ms $k 1 Tx\r\nz\r\nmn\r\n'],
  ['ms no length', 'ms $k\r\nmn\r\n'],
  ['ms bad length', 'ms $k abc\r\nmn\r\n'],
  ['ms negative length', 'ms $k -1\r\nmn\r\n'],
  ['ms opaque too long', `ms $k 1 O${'9'.repeat(40)}\r\nz\r\nmn\r\n`],
  // Malformed lines.
  ['mg without key', 'mg\r\n'],
  ['ms without key', 'ms\r\n'],
  ['md without key', 'md\r\n'],
  ['ma without key', 'ma\r\n'],
  ['unknown meta command', 'mz $k\r\nmx\r\n'],
  ['mg 251-byte key', `mg ${'k'.repeat(251)} v\r\n`],
  ['ms 251-byte key', `ms ${'k'.repeat(251)} 1\r\nz\r\n`],
  ['md 251-byte key', `md ${'k'.repeat(251)}\r\n`],
  ['ma 251-byte key', `ma ${'k'.repeat(251)}\r\n`],
  ['me 251-byte key', `me ${'k'.repeat(251)}\r\n`],
  ['mg 250-byte key', `mg ${'k'.repeat(250)} v k\r\n`],
  ['mg 19 tokens', `${SEED}mg $k v s t f c h l k O1 u T30 R1 N1 q q2 q3 q4\r\nmn\r\n`],
  ['mg 20 tokens', 'mg $k a b c d e f g h i j k l m n o p q r\r\n'],
  ['ms 20 tokens', 'ms $k 1 a b c d e f g h i j k l m n o p q\r\nz\r\n'],
  ['md 20 tokens', 'md $k a b c d e f g h i j k l m n o p q r\r\n'],
  ['ma 20 tokens', 'ma $k a b c d e f g h i j k l m n o p q r\r\n'],
  ['duplicate flags', 'mg $k v v\r\nms $k 1 T1 T2\r\nz\r\nmd $k k k\r\nma $k v v\r\n'],
  ['invalid flags', 'mg $k !\r\nmd $k zz\r\nma $k y\r\n'],
  ['opaque too long on mg', `mg $k O${'1'.repeat(40)}\r\n`],
  ['extra spaces', `${SEED}mg  $k   v  t\r\n`],
  // Mixed with classic commands on one connection.
  [
    'meta and classic',
    `${SEED}get $k\r\nmg $k v\r\nset $k 0 0 2\r\nxy\r\nmg $k v f\r\ndelete $k\r\nmg $k v\r\n`,
  ],
  // A long pipeline.
  [
    'pipelined mix',
    'ms $k1 3 T100 F1\r\none\r\nms $k2 3 q\r\ntwo\r\nmg $k1 v k f\r\nmg $k2 q v\r\nmg $k3 q v\r\n' +
      'ma $k4 N0 J10 v\r\nma $k4 q\r\nma $k4 v\r\nmd $k1 q\r\nmd $k1\r\nmn\r\nme $k2\r\nmg $k2 k O77\r\nmn\r\n',
  ],
];

/** Every meta stream, in sending order. */
export const META_STREAMS: readonly MetaStream[] = [...cases, ...more].map(([name, text]) => ({
  name,
  text,
}));
