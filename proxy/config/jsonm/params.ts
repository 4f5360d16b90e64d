/**
 * The global params every JSONM expansion sees as `%name%` (mcrouter's
 * `ProxyConfigBuilder::buildGlobalParams`, `mcrouter/lib/config/ConfigPreprocessor.cpp`), and the `--config-params` syntax.
 *
 * | param | value |
 * |---|---|
 * | `default-route` | `-R/--route-prefix`, e.g. `/././` |
 * | `default-region`, `default-cluster` | its two parts |
 * | `hostid` | the host id (int): `--hostid`, else this host's, see `host-id.ts` |
 * | `router-name` | the first listening port (as standalone mcrouter), `0` without one |
 * | `service-name` | `mcrouter` |
 * | `service-router-capable` | `0` (int) |
 * | `router-info-name` | `Memcache` |
 * | `num-proxies` | `--num-proxies` (int) |
 * | every `--additional-config-params` and `--config-params` name | its value (a string) |
 * | `mcr_opts-<option>` for every integer and boolean option | its value as a string (`1`/`0` for booleans) |
 *
 * When a name is given twice the first source in the table wins (mcrouter inserts with
 * `emplace`), so `--additional-config-params` overrides `--config-params`, and neither can
 * change the built-in names. A `constDef` in the config's `macros` replaces any of them.
 */
import { DEFAULT_OPTIONS, OPTION_SPECS, type ProxyOptions } from '../../options.js';
import { effectiveHostId } from '../host-id.js';
import type { JValue } from './value.js';

/** The options global params are made of (a full `ProxyOptions` at run time; missing = default). */
export type GlobalParamOptions = { readonly [K in keyof ProxyOptions]?: ProxyOptions[K] | undefined };

/** Region and cluster of a routing prefix `/region/cluster/`. */
function prefixParts(prefix: string): [string, string] {
  const parts = prefix.split('/');
  return [parts[1] ?? '', parts[2] ?? ''];
}

/** The global params for a config built with `options` (see the file comment). */
export function globalParams(options: GlobalParamOptions): Map<string, JValue> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: ProxyOptions = { ...DEFAULT_OPTIONS, ...given };
  const out = new Map<string, JValue>();
  const put = (name: string, value: JValue): void => {
    if (!out.has(name)) out.set(name, value);
  };
  const [region, cluster] = prefixParts(o.routePrefix);
  put('default-route', o.routePrefix);
  put('default-region', region);
  put('default-cluster', cluster);
  put('hostid', BigInt(effectiveHostId(o.hostId)));
  put('router-name', String(o.ports[0] ?? 0));
  put('service-name', 'mcrouter');
  put('service-router-capable', 0n);
  put('router-info-name', 'Memcache');
  put('num-proxies', BigInt(o.numProxies));
  for (const [k, v] of Object.entries(o.additionalConfigParams)) put(k, v);
  for (const [k, v] of Object.entries(o.configParams)) put(k, v);
  for (const spec of OPTION_SPECS) {
    const v = o[spec.key];
    if (spec.kind === 'int' && typeof v === 'number') put(`mcr_opts-${spec.internal}`, String(v));
    if (spec.kind === 'bool' && typeof v === 'boolean') put(`mcr_opts-${spec.internal}`, v ? '1' : '0');
  }
  return out;
}
