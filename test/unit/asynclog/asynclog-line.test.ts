/**
 * mcrouter's asynclog line format (`AsyncLog::writeDelete`, `mcrouter/routes/McRouteHandleProvider-inl.h`) and directory layout.
 */
import { describe, expect, test } from 'vitest';
import {
  asynclogPaths,
  formatAsynclogLine,
  parseAsynclogLine,
} from '../../../proxy/asynclog/asynclog-line.js';

const entry = { host: '10.0.0.1', port: 11302, key: 'foo', pool: 'p', time: 1289416829.836 };

describe('asynclog lines', () => {
  test('version 1 is mcrouter\'s ["AS1.0", time, "C", [host, port, "delete <key>\\r\\n"]]', () => {
    expect(formatAsynclogLine(entry, false)).toBe(
      '["AS1.0",1289416829.836,"C",["10.0.0.1",11302,"delete foo\\r\\n"]]\n',
    );
  });

  test('version 2 is ["AS2.0", time, "C", {f, h: "[host]:port", p, k}]', () => {
    expect(formatAsynclogLine(entry, true)).toBe(
      '["AS2.0",1289416829.836,"C",{"f":"","h":"[10.0.0.1]:11302","p":"p","k":"foo"}]\n',
    );
  });

  test('both versions parse back; keys keep every byte; IPv6 and unix hosts survive', () => {
    for (const v2 of [false, true]) {
      for (const e of [
        entry,
        { ...entry, key: 'k\u00e9\u00ff' },
        { ...entry, host: 'fd00::5' },
        { ...entry, host: 'unix:/run/mc.sock', port: 0 },
      ]) {
        const back = parseAsynclogLine(formatAsynclogLine(e, v2).trimEnd());
        expect(back).toEqual({ ...e, pool: v2 ? e.pool : '' });
      }
    }
  });

  test('anything else is not an entry', () => {
    for (const line of [
      'not json',
      '[]',
      '["AS1.0",1,"C",["h",1,"get foo\\r\\n"]]',
      '["AS3.0",1,"C",["h",1,"delete foo\\r\\n"]]',
      '["AS2.0",1,"C",{"h":"h:1","k":"x"}]',
      '{"a":1}',
    ]) {
      expect(parseAsynclogLine(line), line).toBeNull();
    }
  });

  test('the spool layout: <dir>/<YYYYMMDD>T<HH>-<hour start>/<YYYYMMDD>T<HHMMSS>-<now>-mcproxy-default-t<pid>-<id>', () => {
    const ms = new Date(2024, 0, 2, 3, 4, 5).getTime();
    const now = Math.floor(ms / 1000);
    const { hourDir, file } = asynclogPaths('/spool', ms, '0x1');
    expect(hourDir).toBe(`/spool/20240102T03-${now - (now % 3600)}`);
    expect(file).toBe(`${hourDir}/20240102T030405-${now}-mcproxy-default-t${process.pid}-0x1`);
  });
});
