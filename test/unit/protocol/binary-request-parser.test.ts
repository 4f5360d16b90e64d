/**
 * The binary request parser (memcached/proto_bin.c semantics): every opcode, delivered whole,
 * byte by byte and split at random points (fast-check), with the same events each way.
 */
import { describe as group, test } from 'vitest';
import { BinaryRequestParser } from '../../../proxy/protocol/binary/binary-request-parser.js';
import { expectEverySplit, parseSplitWith } from './parser-harness.js';
import { arithExtras, packet, storeExtras, u32, type BinRequest } from '../../helpers/binary-packets.js';

const parse = (input: Buffer, cuts: readonly number[], maxItemSize = 1024 * 1024): string[] =>
  parseSplitWith((sink) => new BinaryRequestParser(sink, { maxItemSize }), input, cuts);

interface Case {
  name: string;
  packets: BinRequest[];
  events: string[];
  maxItemSize?: number;
}

const CASES: Case[] = [
  {
    name: 'get family: gets (for the cas), quiet = only hits, opaque and opcode kept',
    packets: [
      { opcode: 0x00, key: 'a', opaque: 1 },
      { opcode: 0x09, key: 'a', opaque: 2 },
      { opcode: 0x0c, key: 'a', opaque: 3 },
      { opcode: 0x0d, key: 'a', opaque: 4 },
      { opcode: 0x00, key: '__mcrouter__.version', opaque: 5 },
    ],
    events: [
      'gets key=a opaque=1',
      'gets key=a quiet-hit opaque=2 wire=0x9',
      'gets key=a opaque=3 wire=0xc',
      'gets key=a quiet-hit opaque=4 wire=0xd',
      'get key=__mcrouter__.version opaque=5',
    ],
  },
  {
    name: 'stores: flags, exptime (clamped to int32), cas turns into cas, quiet = only errors',
    packets: [
      { opcode: 0x01, key: 'k', extras: storeExtras(7, 10), value: 'v\r\n', opaque: 1 },
      { opcode: 0x12, key: 'k', extras: storeExtras(0, 0xffffffff), value: 'v', opaque: 2 },
      { opcode: 0x03, key: 'k', extras: storeExtras(0, 0), value: 'v', cas: 18446744073709551615n },
      { opcode: 0x0e, key: 'k', value: 'x' },
      { opcode: 0x1a, key: 'k', value: 'y' },
    ],
    events: [
      'set key=k flags=7 exptime=10 value="v\\r\\n" opaque=1 wire=0x1',
      'add key=k exptime=2147483647 value="v" quiet opaque=2 wire=0x12',
      'cas key=k value="v" cas=18446744073709551615 wire=0x3',
      'append key=k value="x" wire=0xe',
      'prepend key=k value="y" quiet wire=0x1a',
    ],
  },
  {
    name: 'delete, incr/decr with initial and expiration, touch, gat family, flush',
    packets: [
      { opcode: 0x04, key: 'k' },
      { opcode: 0x14, key: 'k' },
      { opcode: 0x05, key: 'n', extras: arithExtras(18446744073709551615n, 5n, 0) },
      { opcode: 0x16, key: 'n', extras: arithExtras(1n, 0n, 0xffffffff) },
      { opcode: 0x1c, key: 't', extras: u32(30) },
      { opcode: 0x1d, key: 't', extras: u32(30) },
      { opcode: 0x24, key: 't', extras: u32(30) },
      { opcode: 0x08 },
      { opcode: 0x18, extras: u32(5) },
    ],
    events: [
      'delete key=k wire=0x4',
      'delete key=k quiet wire=0x14',
      'incr key=n value="5" delta=18446744073709551615 wire=0x5',
      'decr key=n exptime=-1 value="0" delta=1 quiet wire=0x16',
      'gats key=t exptime=30 wire=0x1c',
      'gats key=t exptime=30 wire=0x1d',
      'gats key=t exptime=30 quiet-hit wire=0x24',
      'flushall key= wire=0x8',
      'flushall key= exptime=5 quiet wire=0x18',
    ],
  },
  {
    name: 'local commands; quit stops the parser',
    packets: [
      { opcode: 0x0a, opaque: 1 },
      { opcode: 0x0b },
      { opcode: 0x10, key: 'settings' },
      { opcode: 0x17 },
      { opcode: 0x0a },
    ],
    events: ['local:NoOp', 'local:Version', 'local:Stats settings', 'local:Quit (noreply)'],
  },
  {
    name: 'unknown opcodes and SASL: Unknown command, body skipped',
    packets: [
      { opcode: 0x50, key: 'x', value: 'body', extras: u32(1) },
      { opcode: 0x1b, extras: u32(1) },
      { opcode: 0x20 },
      { opcode: 0x21, key: 'PLAIN', value: 'secret' },
      { opcode: 0x00, key: 'after' },
    ],
    events: ['error:ERROR', 'error:ERROR', 'error:ERROR', 'error:ERROR', 'gets key=after'],
  },
  {
    name: 'a value over the limit: Too large, body skipped without buffering',
    packets: [
      { opcode: 0x01, key: 'big', extras: storeExtras(0, 0), value: 'x'.repeat(20) },
      { opcode: 0x00, key: 'after' },
    ],
    maxItemSize: 10,
    events: ['error:SERVER_ERROR object too large for cache', 'gets key=after'],
  },
  {
    name: 'a get with extras: Invalid arguments, then nothing',
    packets: [
      { opcode: 0x00, key: 'k', extras: u32(1) },
      { opcode: 0x00, key: 'after' },
    ],
    events: ['fatal:CLIENT_ERROR Invalid arguments'],
  },
  {
    name: 'a key over 250 bytes: Invalid arguments, then nothing',
    packets: [{ opcode: 0x00, key: 'k'.repeat(251) }],
    events: ['fatal:CLIENT_ERROR Invalid arguments'],
  },
  {
    name: 'a bad magic byte: closes without a reply (memcached)',
    packets: [{ opcode: 0x00, key: 'k', magic: 0x81 }],
    events: ['local:Quit (noreply)'],
  },
  {
    name: 'a cas on delete cannot be checked by an ASCII backend: not supported, stream kept',
    packets: [
      { opcode: 0x04, key: 'k', cas: 5n },
      { opcode: 0x00, key: 'after' },
    ],
    events: ['error:SERVER_ERROR Command not supported', 'gets key=after'],
  },
];

group('binary request parser: every case, whole / byte by byte / random splits', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const input = Buffer.concat(c.packets.map(packet));
      expectEverySplit((i, cuts) => parse(i, cuts, c.maxItemSize), input, c.events);
    });
  }
});
