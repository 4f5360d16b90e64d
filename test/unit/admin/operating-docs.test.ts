/**
 * docs/operating.md lists every admin command, stat and metric the proxy has: the names are taken
 * from a real proxy, so a new one that is not documented fails here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { ProxyServer } from '../../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../../proxy/options.js';
import { SERVICE_INFO_COMMANDS } from '../../../proxy/admin/service-info.js';
import { REPO_ROOT } from '../../helpers/config.js';

const docs = readFileSync(`${REPO_ROOT}docs/operating.md`, 'utf8');
const server = new ProxyServer(
  { ...DEFAULT_OPTIONS, ports: [1] },
  { text: '{"pools": {"A": {"servers": ["10.0.0.1:1"]}}, "route": "PoolRoute|A"}', path: null },
);
afterAll(async () => {
  await server.close();
});

test('every admin command', () => {
  for (const cmd of SERVICE_INFO_COMMANDS) expect(docs, cmd).toContain(`| \`${cmd}`);
});

test('every stat of `stats all` (cmd_<op> and result_<kind> as patterns, their kinds listed)', () => {
  const names = [...server.statsReply(['all']).matchAll(/^STAT (\S+) /gm)].map((m) => m[1] as string);
  expect(names.length).toBeGreaterThan(80);
  for (const name of names) {
    if (/^cmd_[a-z]+(_count)?$/.test(name)) continue;
    const kind = /^result_([a-z_]+?)(_all)?(_count)?$/.exec(name)?.[1];
    if (kind !== undefined) {
      expect(docs, name).toContain(`\`${kind}\``);
      continue;
    }
    expect(docs, name).toMatch(new RegExp(`\`${name}\`|/ \`_${name.split('_').at(-1) ?? ''}\``));
  }
  expect(docs).toContain('`cmd_<op>_count`, `cmd_<op>`');
  expect(docs).toContain('`result_<kind>_count`, `result_<kind>_all_count`');
});

test('every mcproxy_ metric', async () => {
  const metrics = await server.metrics.registry.getMetricsAsJSON();
  const names = metrics.map((m) => m.name).filter((n) => n.startsWith('mcproxy_'));
  expect(names.length).toBeGreaterThan(15);
  for (const name of names) {
    const short = name.replace(/^mcproxy_(client_connections|destination)_/, '..._');
    expect(docs.includes(`\`${name}`) || docs.includes(`\`${short}\``), name).toBe(true);
  }
});
