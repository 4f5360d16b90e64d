import { fc, test } from '@fast-check/vitest';
import { ConfigError } from '../../../proxy/errors.js';
import { describe, expect, it } from 'vitest';

import { constShardHash } from '../../../proxy/hash/const-shard.js';
import { crc32Hash } from '../../../proxy/hash/crc32.js';
import { furcHash } from '../../../proxy/hash/furc.js';
import {
  SUPPORTED_HASH_FUNCS,
  createHashSelector,
  spooky32,
  type HashSelectorOptions,
} from '../../../proxy/hash/hash-selector.js';
import { spooky32 as spookyDirect } from '../../../proxy/hash/spooky-v2.js';
import { weightedCh3Hash, weightedCh3Thresholds } from '../../../proxy/hash/weighted-ch3.js';
import { VECTORS, caseKey, caseLabel, embed } from './fixture.js';

function select(opts: HashSelectorOptions, key: string | Buffer): number {
  const b = typeof key === 'string' ? Buffer.from(key) : key;
  return createHashSelector(opts)(b, 0, b.length);
}

describe('createHashSelector', () => {
  it('supports Ch3, Crc32, WeightedCh3 and ConstShard', () => {
    expect([...SUPPORTED_HASH_FUNCS]).toEqual(['Ch3', 'Crc32', 'WeightedCh3', 'ConstShard']);
    expect(Object.isFrozen(SUPPORTED_HASH_FUNCS)).toBe(true);
  });

  it('re-exports spooky32', () => {
    expect(spooky32).toBe(spookyDirect);
  });

  it.each(VECTORS.Ch3HashFunc.cases.map((c) => ({ ...c, label: caseLabel(c) })))(
    'default (Ch3) n=$n: $label -> $expected',
    (c) => {
      expect(select({ n: c.n }, caseKey(c))).toBe(c.expected);
      expect(select({ hashFunc: 'Ch3', n: c.n }, caseKey(c))).toBe(c.expected);
    },
  );

  it.each(VECTORS.Crc32HashFunc.cases.map((c) => ({ ...c, label: caseLabel(c) })))(
    'Crc32 n=$n: $label -> $expected',
    (c) => {
      expect(select({ hashFunc: 'Crc32', n: c.n }, caseKey(c))).toBe(c.expected);
    },
  );

  it.each(VECTORS.ConstShardHashFunc.cases)('ConstShard n=4: $key -> $expected', ({ key, expected }) => {
    expect(select({ hashFunc: 'ConstShard', n: VECTORS.ConstShardHashFunc.n }, key)).toBe(expected);
  });

  it.each(VECTORS.WeightedCh3HashFunc.zero_weight)('WeightedCh3 $weights: $key -> $expected', (c) => {
    const n = c.weights.startsWith('100') ? 100 : 1;
    expect(select({ hashFunc: 'WeightedCh3', n, weights: new Array<number>(n).fill(0) }, c.key)).toBe(
      c.expected,
    );
  });

  it('WeightedCh3 pads missing weights with 0.5 and ignores extra ones', () => {
    const keys = Array.from({ length: 300 }, (_, i) => Buffer.from(`w${i}`));
    const padded = createHashSelector({ hashFunc: 'WeightedCh3', n: 4, weights: [0.9, 0.2] });
    const explicit = weightedCh3Thresholds([0.9, 0.2, 0.5, 0.5], 4);
    const extra = createHashSelector({ hashFunc: 'WeightedCh3', n: 2, weights: [0.9, 0.2, 0, 0] });
    const two = weightedCh3Thresholds([0.9, 0.2], 2);
    for (const k of keys) {
      expect(padded(k, 0, k.length)).toBe(weightedCh3Hash(k, 0, k.length, explicit));
      expect(extra(k, 0, k.length)).toBe(weightedCh3Hash(k, 0, k.length, two));
    }
  });

  it('n = 1 always selects 0', () => {
    for (const hashFunc of SUPPORTED_HASH_FUNCS) {
      const s = createHashSelector({ hashFunc, n: 1, weights: [0] });
      for (const k of ['', 'a', 'x:0:y', 'some/longer/key']) expect(s(Buffer.from(k), 0, k.length)).toBe(0);
    }
  });

  describe('errors', () => {
    it('unknown hash function', () => {
      expect(() => createHashSelector({ hashFunc: 'Md5', n: 3 })).toThrow(
        new ConfigError('', 'Unknown hash function: Md5'),
      );
      expect(() => createHashSelector({ hashFunc: 'ch3', n: 3 })).toThrow('Unknown hash function: ch3');
    });

    it('mcrouter hash functions mcsidecar lacks get the same prefix and a hint', () => {
      expect(() => createHashSelector({ hashFunc: 'Rendezvous', n: 3 })).toThrow(
        /^Unknown hash function: Rendezvous \(.*supported: Ch3, Crc32, WeightedCh3, ConstShard\)$/,
      );
    });

    it.each([0, -1, 1.5, 8388609, Number.NaN])('Ch3 and ConstShard reject n = %s', (n) => {
      expect(() => createHashSelector({ n })).toThrow(new ConfigError('', 'Pool size out of range for Ch3'));
      expect(() => createHashSelector({ hashFunc: 'ConstShard', n })).toThrow(
        new ConfigError('', 'Pool size out of range for Ch3'),
      );
    });

    it('Ch3 accepts the maximum pool size 8388608', () => {
      expect(select({ n: 8388608 }, 'sample')).toBe(5167780);
    });

    it.each([0, -3, 2.5])('Crc32 rejects n = %s', (n) => {
      expect(() => createHashSelector({ hashFunc: 'Crc32', n })).toThrow('Pool size out of range for Crc32');
    });

    it('Crc32 accepts pools beyond the Ch3 limit', () => {
      expect(select({ hashFunc: 'Crc32', n: 1073741823 }, 'sample')).toBe(822834884);
    });

    it('WeightedCh3 requires weights in [0, 1] and names the bad index', () => {
      expect(() => createHashSelector({ hashFunc: 'WeightedCh3', n: 2 })).toThrow(
        'WeightedCh3: weights are required',
      );
      expect(() => createHashSelector({ hashFunc: 'WeightedCh3', n: 3, weights: [1, 0.5, 1.5] })).toThrow(
        /weight at index 2/,
      );
      expect(() => createHashSelector({ hashFunc: 'WeightedCh3', n: 0, weights: [] })).toThrow(
        /Invalid pool size/,
      );
    });
  });

  describe('salt (mcrouter/lib/test/RouteHandleTest.cpp hashSalt)', () => {
    it('fixture: the salt is appended after the routing key', () => {
      expect(VECTORS.SaltedHash.semantics).toContain("key '0' salt '1' -> '01' -> 1");
    });

    it("reproduces the vector with a real hash: ConstShard sees 'k:' + key + salt", () => {
      // mcrouter's test hashes stoi(key + salt) % 3: '0','1','2' with salt '1' -> 1, 2, 0.
      // ConstShard reads the digits between the colons, so key 'k:0' + salt '1:' must read
      // shard 01 = 1, then 11 and 21; mod 3 those are the vector's 1, 2, 0. A salt put in
      // front of the key would give 'k' + ... with no digits there and fall back to Ch3.
      const s = createHashSelector({ hashFunc: 'ConstShard', n: 100, salt: '1:' });
      const shards = ['0', '1', '2'].map((k) => {
        const key = Buffer.from(`k:${k}`);
        return s(key, 0, key.length);
      });
      expect(shards).toEqual([1, 11, 21]);
      expect(shards.map((x) => x % 3)).toEqual([1, 2, 0]);
    });

    it.each(SUPPORTED_HASH_FUNCS)('%s with salt S on key K equals no salt on K + S', (hashFunc) => {
      const weights = [0.3, 1, 0.7, 0.1, 0.9, 0.5, 0.05];
      const n = weights.length;
      const salted = createHashSelector({ hashFunc, n, salt: 'salt!', weights });
      const plain = createHashSelector({ hashFunc, n, weights });
      let differs = 0;
      for (let i = 0; i < 500; i++) {
        const key = Buffer.from(`key:${i}:x`);
        const cat = Buffer.from(`key:${i}:xsalt!`);
        const r = salted(key, 0, key.length);
        expect(r).toBe(plain(cat, 0, cat.length));
        if (r !== plain(key, 0, key.length)) differs++;
      }
      if (hashFunc !== 'ConstShard') expect(differs).toBeGreaterThan(0);
    });

    it('encodes the salt as UTF-8 and an empty salt changes nothing', () => {
      const key = Buffer.from('héllo');
      const cat = Buffer.concat([key, Buffer.from('ß✓', 'utf8')]);
      expect(select({ n: 1000, salt: 'ß✓' }, key)).toBe(furcHash(cat, 0, cat.length, 1000));
      expect(select({ n: 1000, salt: '' }, key)).toBe(furcHash(key, 0, key.length, 1000));
    });

    it('handles keys longer than the scratch buffer and leaves the caller buffer untouched', () => {
      const s = createHashSelector({ hashFunc: 'Crc32', n: 997, salt: 'pepper' });
      for (const len of [0, 1, 511, 512, 513, 5000, 40_000, 7]) {
        const key = Buffer.alloc(len);
        for (let i = 0; i < len; i++) key[i] = (i * 7) & 0xff;
        const copy = Buffer.from(key);
        const cat = Buffer.concat([key, Buffer.from('pepper')]);
        expect(s(key, 0, len)).toBe(crc32Hash(cat, 0, cat.length, 997));
        expect(key.equals(copy)).toBe(true);
      }
    });
  });
});

describe('createHashSelector properties', () => {
  const funcs = fc.constantFrom(...SUPPORTED_HASH_FUNCS);

  test.prop([
    funcs,
    fc.uint8Array({ maxLength: 260 }),
    fc.integer({ min: 1, max: 5000 }),
    fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  ])('results are in [0, n)', (hashFunc, key, n, salt) => {
    const weights = Array.from({ length: n }, (_, i) => ((i * 37) % 11) / 10);
    const r = createHashSelector({ hashFunc, n, salt, weights })(Buffer.from(key), 0, key.length);
    expect(Number.isInteger(r) && r >= 0 && r < n).toBe(true);
  });

  test.prop([
    funcs,
    fc.uint8Array({ maxLength: 260 }),
    fc.nat(40),
    fc.nat(40),
    fc.integer({ min: 1, max: 500 }),
    fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  ])(
    'same answer for a key at any offset inside a larger buffer',
    (hashFunc, key, before, after, n, salt) => {
      const weights = Array.from({ length: n }, (_, i) => ((i * 13) % 7) / 6);
      const s = createHashSelector({ hashFunc, n, salt, weights });
      const big = embed(key, before, after);
      expect(s(big, before, before + key.length)).toBe(s(Buffer.from(key), 0, key.length));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 260 }), fc.integer({ min: 1, max: 3000 })])(
    'WeightedCh3 with all weights 1.0 equals Ch3',
    (key, n) => {
      fc.pre(spooky32(key, 0, key.length, 0xface2014) !== 0xffffffff);
      const b = Buffer.from(key);
      const w = select({ hashFunc: 'WeightedCh3', n, weights: new Array<number>(n).fill(1) }, b);
      expect(w).toBe(select({ n }, b));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 100 })])(
    'each function matches its underlying implementation',
    (key, n) => {
      const b = Buffer.from(key);
      expect(select({ n }, b)).toBe(furcHash(b, 0, b.length, n));
      expect(select({ hashFunc: 'Crc32', n }, b)).toBe(crc32Hash(b, 0, b.length, n));
      expect(select({ hashFunc: 'ConstShard', n }, b)).toBe(constShardHash(b, 0, b.length, n));
    },
  );
});
