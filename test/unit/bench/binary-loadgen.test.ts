/**
 * The load generator's binary mode: GetK/Set packets (bench/lib/binary-requests.ts), checked
 * against the test suite's own encoder, and the reply scanner (bench/lib/binary-replies.ts), fed
 * hand-made replies split at every byte and a real memcached's replies to the workload.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BinaryReplyScanner } from '../../../bench/lib/binary-replies.js';
import { binaryGetK, binarySet } from '../../../bench/lib/binary-requests.js';
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED } from '../../../bench/lib/replies.js';
import { buildWorkload } from '../../../bench/lib/workload.js';
import { packet, storeExtras } from '../../helpers/binary-packets.js';
import { Memcached } from '../../helpers/memcached.js';

/** A response packet: the request encoding with the response magic and `status` at bytes 6-7. */
function response(
  opcode: number,
  status: number,
  body: { key?: string; extras?: Buffer; value?: string },
): Buffer {
  const p = packet({ opcode, magic: 0x81, ...body });
  p.writeUInt16BE(status, 6);
  return p;
}

/** Feeds `stream` to a fresh scanner in chunks of `size` bytes; returns the reply kinds. */
function scan(stream: Buffer, size: number, valueBytes = 4): { kinds: number[]; samples: string[] } {
  const scanner = new BinaryReplyScanner(valueBytes);
  const kinds: number[] = [];
  for (let i = 0; i < stream.length; i += size) {
    const chunk = Buffer.from(stream.subarray(i, i + size));
    scanner.feed(chunk, 0, chunk.length, (k) => kinds.push(k));
    chunk.fill(0); // the caller may reuse its buffer
  }
  return { kinds, samples: scanner.errorSamples };
}

describe('binary requests', () => {
  test('GetK and Set packets are what the test encoder builds', () => {
    expect(binaryGetK('mcb:0042')).toEqual(packet({ opcode: 0x0c, key: 'mcb:0042' }));
    const value = Buffer.from('abcdef');
    expect(binarySet('mcb:7', value)).toEqual(
      packet({ opcode: 0x01, key: 'mcb:7', extras: storeExtras(0, 0), value }),
    );
  });

  test('the binary workload has the ASCII workload key sequence and set positions', () => {
    const spec = { keys: 50, valueBytes: 10, sets: 1, gets: 10, maxBatch: 4, seed: 7 };
    const a = buildWorkload({ ...spec, protocol: 'ascii' });
    const b = buildWorkload({ ...spec, protocol: 'binary' });
    expect(b.length).toBe(a.length);
    expect(b.isSet).toEqual(a.isSet);
    for (const i of [0, 1, 11, a.length - 1]) {
      const ascii = a.buf.toString('latin1', a.offsets[i], a.offsets[i + 1]);
      const key = /^(?:get|set) (\S+)/.exec(ascii)?.[1] ?? '';
      const bin = b.buf.subarray(b.offsets[i], b.offsets[i + 1]);
      expect(bin).toEqual(b.isSet[i] === 1 ? binarySet(key, Buffer.from('abcdefghij')) : binaryGetK(key));
    }
  });
});

describe('BinaryReplyScanner', () => {
  const stream = Buffer.concat([
    response(0x01, 0, {}), // Set: Success
    response(0x0c, 0, { key: 'mcb:1', extras: Buffer.alloc(4), value: 'wxyz' }), // hit
    response(0x0c, 1, { value: 'Not found' }), // miss
    response(0x0c, 0, { key: 'mcb:1', extras: Buffer.alloc(4), value: 'xyz' }), // wrong size
    response(0x01, 0x82, { value: 'Out of memory' }), // Set refused
    response(0x0c, 0x84, {}), // server-side error on a get
    response(0x00, 0, { extras: Buffer.alloc(4), value: 'abcd' }), // Get (no key): hit
    response(0x0b, 0, { value: '1.6.18' }), // an opcode we never send
  ]);
  const expected = [
    REPLY_STORED,
    REPLY_HIT,
    REPLY_MISS,
    REPLY_ERROR,
    REPLY_ERROR,
    REPLY_ERROR,
    REPLY_HIT,
    REPLY_ERROR,
  ];

  test('classifies every reply the same whatever the chunking', () => {
    for (let size = 1; size <= stream.length; size++) {
      expect(scan(stream, size).kinds, `chunks of ${size}`).toEqual(expected);
    }
    expect(scan(stream, stream.length).samples).toEqual([
      'value of 3 bytes, expected 4',
      'opcode 0x1 status 0x82 (Out of memory)',
      'opcode 0xc status 0x84',
      'reply with opcode 0xb',
    ]);
  });

  test('a header without the response magic is one error, then the stream is ignored', () => {
    const bad = Buffer.concat([
      response(0x01, 0, {}),
      Buffer.from('STORED\r\n'.repeat(4)),
      response(0x01, 0, {}),
    ]);
    const r = scan(bad, 5);
    expect(r.kinds).toEqual([REPLY_STORED, REPLY_ERROR]);
    expect(r.samples).toEqual(['reply header with magic 0x53: the rest of the stream is ignored']);
  });
});

describe('binary workload against memcached', () => {
  let mc: Memcached;
  beforeAll(async () => {
    mc = await Memcached.start();
  });
  afterAll(async () => {
    await mc.stop();
  });

  /** Sends `request` and scans the replies until `count` have arrived. */
  function exchange(request: Buffer, count: number, valueBytes: number): Promise<number[]> {
    const scanner = new BinaryReplyScanner(valueBytes);
    const kinds: number[] = [];
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: mc.port }, () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        scanner.feed(chunk, 0, chunk.length, (k) => kinds.push(k));
        if (kinds.length >= count) {
          socket.destroy();
          resolve(kinds);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        reject(
          new Error(`closed after ${kinds.length} of ${count} replies: ${scanner.errorSamples.join(' | ')}`),
        );
      });
    });
  }

  test('gets miss before pre-population, then every request gets its reply kind', async () => {
    const w = buildWorkload({
      protocol: 'binary',
      keys: 300,
      valueBytes: 100,
      sets: 1,
      gets: 10,
      maxBatch: 1,
      seed: 3,
    });
    const n = 2000;
    const firstGet = w.isSet.indexOf(0);
    const get = w.buf.subarray(w.offsets[firstGet], w.offsets[firstGet + 1]);
    expect(await exchange(get, 1, 100)).toEqual([REPLY_MISS]);

    expect(await exchange(w.populate, 300, 100)).toEqual(Array<number>(300).fill(REPLY_STORED));
    const kinds = await exchange(w.buf.subarray(0, w.offsets[n]), n, 100);
    expect(kinds).toEqual(Array.from(w.isSet.subarray(0, n), (s) => (s === 1 ? REPLY_STORED : REPLY_HIT)));

    // The same stored values read back with a different expected size are errors.
    expect(await exchange(get, 1, 99)).toEqual([REPLY_ERROR]);
  });
});
