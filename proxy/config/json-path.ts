/**
 * JSON paths for config errors, written the way users read them:
 * `route.operation_policies.set.children[0]`, `pools.central.servers[1]`.
 */

/** `base.key`, or `base["odd key"]` when the key is not an identifier. */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Joins a path and a zod-style issue path. */
export function joinPath(base: string, parts: readonly PropertyKey[]): string {
  let p = base;
  for (const part of parts) p = childPath(p, typeof part === 'number' ? part : String(part));
  return p;
}
