/**
 * Memcache operations, named as mcrouter's carbon request names (`mcrouter/routes/OperationSelectorRoute.h`), plus the request
 * groups routes care about (`mcrouter/lib/McResUtil.h`, `mcrouter/lib/network/gen/MemcacheRoutingGroups.h`).
 */

/** A routable memcache operation. Numeric for cheap dispatch in the hot path. */
export enum Op {
  Get = 0,
  Gets,
  Gat,
  Gats,
  Set,
  Add,
  Replace,
  Append,
  Prepend,
  Cas,
  Delete,
  Incr,
  Decr,
  Touch,
  FlushAll,
  Version,
}

/** Carbon operation names by `Op`, as used in `operation_policies` and `route_handles(op,key)`. */
export const OP_NAMES: readonly string[] = [
  'get',
  'gets',
  'gat',
  'gats',
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'delete',
  'incr',
  'decr',
  'touch',
  'flushall',
  'version',
];

/**
 * Operation names mcrouter accepts in `OperationSelectorRoute.operation_policies` (`mcrouter/routes/OperationSelectorRoute.h`).
 * Some (lease-get, lease-set, metaget, flushre) have no `Op` here because stock memcached cannot
 * serve them; a policy for them is accepted and never selected.
 */
export const CARBON_OP_NAMES: readonly string[] = [
  'add',
  'append',
  'cas',
  'decr',
  'delete',
  'flushall',
  'flushre',
  'gat',
  'gats',
  'get',
  'gets',
  'incr',
  'lease-get',
  'lease-set',
  'metaget',
  'prepend',
  'replace',
  'set',
  'touch',
];

// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- index i is the Op value
const OP_BY_NAME = new Map<string, Op>(OP_NAMES.map((n, i) => [n, i as Op]));

/** The `Op` for a carbon name, or undefined for names without one (see CARBON_OP_NAMES). */
export function opFromName(name: string): Op | undefined {
  return OP_BY_NAME.get(name);
}

/** get, gets, gat, gats (mcrouter's get-like group, without lease-get/metaget). */
export function isGetLike(op: Op): boolean {
  return op <= Op.Gats;
}

/** gets, gats: get-like requests whose hits carry the CAS unique (`VALUE … <cas>`). */
export function returnsCas(op: Op): boolean {
  return op === Op.Gets || op === Op.Gats;
}

/** gat, gats: get-like requests that also set the item's exptime (memcached's get-and-touch). */
export function isGetAndTouch(op: Op): boolean {
  return op === Op.Gat || op === Op.Gats;
}

/** set, add, replace, append, prepend, cas (mcrouter's update-like group, without lease-set). */
export function isUpdateLike(op: Op): boolean {
  return op >= Op.Set && op <= Op.Cas;
}

/** delete. */
export function isDeleteLike(op: Op): boolean {
  return op === Op.Delete;
}

/** incr, decr (mcrouter's arithmetic-like group). */
export function isArithmetic(op: Op): boolean {
  return op === Op.Incr || op === Op.Decr;
}

/** Requests that set the item's exptime: update-like, touch, gat, gats. */
export function setsExptime(op: Op): boolean {
  return isUpdateLike(op) || op === Op.Touch || isGetAndTouch(op);
}
