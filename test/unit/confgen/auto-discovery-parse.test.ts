/**
 * The Auto Discovery reply parser (docs/confgen.md): AWS's byte-exact examples, TLS-style host
 * names that start with digits, replies cut anywhere, and malformed replies.
 */
import { describe, expect, test } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { parseClusterPayload, parseClusterReply } from '../../../confgen/providers/auto-discovery.js';

const AWS_EXAMPLE =
  'CONFIG cluster 0 136\r\n12\nmyCluster.pc4ldq.0001.use1.cache.amazonaws.com|10.82.235.120|11211 myCluster.pc4ldq.0002.use1.cache.amazonaws.com|10.80.249.27|11211\n\r\nEND\r\n';
const TLS_EXAMPLE =
  'CONFIG cluster 0 191\r\n7\n0001.mycluster.abc123.use1.cache.amazonaws.com|10.0.1.11|11211 0002.mycluster.abc123.use1.cache.amazonaws.com|10.0.2.12|11211 0003.mycluster.abc123.use1.cache.amazonaws.com|10.0.3.13|11211\n\r\nEND\r\n';
const NO_IP_EXAMPLE =
  'CONFIG cluster 0 56\r\n3\nmycluster.abc123.0001.use1.cache.amazonaws.com||11211\n\r\nEND\r\n';

describe('AWS examples', () => {
  test('example 1 (165 bytes on the wire, declared length 136)', () => {
    const buf = Buffer.from(AWS_EXAMPLE, 'latin1');
    expect(buf.length).toBe(165);
    expect(parseClusterReply(buf)).toEqual({
      kind: 'config',
      consumed: 165,
      config: {
        version: 12,
        nodes: [
          { host: 'myCluster.pc4ldq.0001.use1.cache.amazonaws.com', ip: '10.82.235.120', port: 11211 },
          { host: 'myCluster.pc4ldq.0002.use1.cache.amazonaws.com', ip: '10.80.249.27', port: 11211 },
        ],
      },
    });
  });

  test('example 2: TLS host names start with digits and are not taken for the version', () => {
    const r = parseClusterReply(Buffer.from(TLS_EXAMPLE, 'latin1'));
    expect(r.kind === 'config' && r.config.version).toBe(7);
    expect(r.kind === 'config' && r.config.nodes.map((n) => n.host)).toEqual([
      '0001.mycluster.abc123.use1.cache.amazonaws.com',
      '0002.mycluster.abc123.use1.cache.amazonaws.com',
      '0003.mycluster.abc123.use1.cache.amazonaws.com',
    ]);
    expect(r.kind === 'config' && r.consumed).toBe(220);
  });

  test('example 3: a node without an IP', () => {
    const r = parseClusterReply(Buffer.from(NO_IP_EXAMPLE, 'latin1'));
    expect(r.kind === 'config' && r.config).toEqual({
      version: 3,
      nodes: [{ host: 'mycluster.abc123.0001.use1.cache.amazonaws.com', ip: '', port: 11211 }],
    });
  });

  test('example 4: the legacy get AmazonElastiCache:cluster reply carries the same payload', () => {
    const legacy = AWS_EXAMPLE.replace('CONFIG cluster 0 136', 'VALUE AmazonElastiCache:cluster 0 136');
    const a = parseClusterReply(Buffer.from(AWS_EXAMPLE, 'latin1'));
    const b = parseClusterReply(Buffer.from(legacy, 'latin1'));
    expect(b.kind === 'config' && b.config).toEqual(a.kind === 'config' && a.config);
  });
});

describe('framing', () => {
  fcTest.prop([fc.integer({ min: 0, max: 219 })])(
    'a reply cut anywhere is incomplete until its last byte',
    (cut) => {
      expect(parseClusterReply(Buffer.from(TLS_EXAMPLE, 'latin1').subarray(0, cut))).toEqual({
        kind: 'incomplete',
      });
    },
  );

  test('ERROR (old engine or plain memcached) and a missing legacy key', () => {
    expect(parseClusterReply(Buffer.from('ERROR\r\n'))).toEqual({
      kind: 'error',
      line: 'ERROR',
      consumed: 7,
    });
    expect(parseClusterReply(Buffer.from('END\r\n'))).toEqual({ kind: 'missing', consumed: 5 });
  });

  test('a declared length that does not match the payload is rejected', () => {
    expect(() => parseClusterReply(Buffer.from(AWS_EXAMPLE.replace(' 136', ' 135'), 'latin1'))).toThrow(
      'payload of 135 bytes is not followed by \\r\\nEND\\r\\n',
    );
  });

  test('an unexpected first line is rejected', () => {
    expect(() => parseClusterReply(Buffer.from('VALUE other 0 3\r\nabc\r\nEND\r\n'))).toThrow(
      'unexpected reply line',
    );
  });
});

describe('payload', () => {
  test.each([
    ['12\n', 'expected 2 LF-terminated lines'],
    ['12\nh|1.2.3.4|11211', 'expected 2 LF-terminated lines'],
    ['x1\nh|1.2.3.4|11211\n', 'bad config version'],
    ['12\n|1.2.3.4|11211\n', 'bad node entry'],
    ['12\nhost-only|11211\n', 'bad node entry'],
    ['12\nh|1.2.3.4|port\n', 'bad port'],
    ['12\nh|1.2.3.4|70000\n', 'bad port'],
    ['12\n \n', 'the node list is empty'],
  ])('%j is rejected (%s)', (payload, reason) => {
    expect(() => parseClusterPayload(payload)).toThrow(reason);
  });

  test('runs of spaces between entries are one separator; the first and last | split an entry', () => {
    expect(parseClusterPayload('5\na|10.0.0.1|11211   b|10.0.0.2|11212\n').nodes).toEqual([
      { host: 'a', ip: '10.0.0.1', port: 11211 },
      { host: 'b', ip: '10.0.0.2', port: 11212 },
    ]);
  });
});
