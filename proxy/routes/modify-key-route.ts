/**
 * ModifyKeyRoute: rewrites the key before passing the request to `target`
 * (`mcrouter/routes/ModifyKeyRoute.h`, `mcrouter/routes/McRouteHandleProvider.cpp`).
 *
 * - `set_routing_prefix`: the key's routing prefix becomes this `/region/cluster/` ('' removes it);
 * - `ensure_key_prefix`: keys (after the routing prefix) not starting with it get it prepended;
 *   with `modify_inplace: true` it overwrites the key's first bytes instead of growing the key;
 * - `replace_key_prefix`: a key starting with this prefix has it replaced by `ensure_key_prefix`;
 * - `set_key_suffix`: keys not ending with it get it appended (an mcsidecar reading of the
 *   option the spec lists; not in the mcrouter source studied).
 *
 * Example (`set_routing_prefix: "/a/b/"`, `ensure_key_prefix: "foo"`): `/a/b/a` → `/a/b/fooa`,
 * `foo` → `/a/b/foo`, `/b/c/o` → `/a/b/fooo`. A rewritten key longer than 250 bytes is answered
 * `SERVER_ERROR ModifyKeyRoute: invalid key: key too long` (LOCAL_ERROR) without routing.
 */
import { z } from 'zod';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Result } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

const MAX_KEY_LENGTH = 250;
const TOO_LONG = McReply.error(Result.LocalError, 'ModifyKeyRoute: invalid key: key too long');
const EMPTY = McReply.error(Result.LocalError, 'ModifyKeyRoute: invalid key: key is empty');
const ROUTING_PREFIX = /^\/[^/]+\/[^/]+\/$/;

/** The rewrite rules. */
export interface KeyRewrite {
  /** New routing prefix ('' removes it), or null to keep the request's. */
  readonly routingPrefix: Buffer | null;
  readonly keyPrefix: Buffer;
  readonly modifyInplace: boolean;
  readonly replacePrefix: Buffer | null;
  readonly keySuffix: Buffer | null;
}

function startsWith(b: Buffer, start: number, prefix: Buffer): boolean {
  return (
    b.length - start >= prefix.length &&
    b.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  );
}

/**
 * The rewritten key, or null when the key stays as it is (mcrouter's `getModifiedKey`, plus the
 * suffix rule).
 */
export function modifiedKey(key: Buffer, prefixLength: number, rw: KeyRewrite): Buffer | null {
  const rp = rw.routingPrefix ?? key.subarray(0, prefixLength);
  let rest = key.subarray(prefixLength);
  let changed = false;
  let head: Buffer = Buffer.alloc(0);
  if (rw.replacePrefix !== null && startsWith(key, prefixLength, rw.replacePrefix)) {
    head = rw.keyPrefix;
    rest = rest.subarray(rw.replacePrefix.length);
    changed = true;
  } else if (!startsWith(key, prefixLength, rw.keyPrefix)) {
    head = rw.keyPrefix;
    if (rw.modifyInplace && rest.length >= rw.keyPrefix.length) rest = rest.subarray(rw.keyPrefix.length);
    changed = true;
  } else if (rw.routingPrefix !== null && !rp.equals(key.subarray(0, prefixLength))) {
    changed = true;
  }
  let tail: Buffer = Buffer.alloc(0);
  const sfx = rw.keySuffix;
  if (sfx !== null && sfx.length > 0) {
    const whole = changed ? Buffer.concat([head, rest]) : key.subarray(prefixLength);
    if (!(whole.length >= sfx.length && whole.subarray(whole.length - sfx.length).equals(sfx))) {
      tail = sfx;
      changed = true;
    }
  }
  if (!changed) return null;
  return Buffer.concat([rp, head, rest, tail]);
}

/** See the file comment. */
export class ModifyKeyRoute implements RouteHandle {
  readonly name = 'modify-key';

  constructor(
    readonly target: RouteHandle,
    readonly rewrite: KeyRewrite,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    const key = modifiedKey(req.key, req.routingPrefixLength, this.rewrite);
    if (key === null) {
      this.target.route(req, sink);
      return;
    }
    if (key.length > MAX_KEY_LENGTH) {
      sink.onReply(TOO_LONG);
      return;
    }
    if (key.length === 0) {
      sink.onReply(EMPTY);
      return;
    }
    this.target.route(req.withKey(key), sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    const key = modifiedKey(req.key, req.routingPrefixLength, this.rewrite);
    traverseOne(this.target, key === null ? req : req.withKey(key), visit, depth);
  }
}

function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

const keyPart = z
  .string()
  .refine((s) => !hasSpaceOrControl(s), 'ModifyKeyRoute: invalid key prefix, space or control character')
  .refine((s) => s.length <= MAX_KEY_LENGTH, 'ModifyKeyRoute: invalid key prefix, key too long');

const schema = z.looseObject({
  target: z.unknown().refine((v) => v !== undefined, 'ModifyKeyRoute: no target'),
  set_routing_prefix: z.string().optional(),
  ensure_key_prefix: keyPart.optional(),
  replace_key_prefix: keyPart.optional(),
  modify_inplace: z.boolean('ModifyKeyRoute: modify_inplace is not a bool').optional(),
  set_key_suffix: keyPart.optional(),
});

/** `ModifyKeyRoute`: `{target, set_routing_prefix, ensure_key_prefix, replace_key_prefix, modify_inplace, set_key_suffix}`. */
export const buildModifyKeyRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const rp = o.set_routing_prefix;
  if (rp !== undefined && rp !== '' && !ROUTING_PREFIX.test(rp)) {
    throw new ConfigError(
      childPath(path, 'set_routing_prefix'),
      `ModifyKeyRoute: set_routing_prefix: invalid routing prefix ${JSON.stringify(rp)}`,
    );
  }
  if (o.modify_inplace !== undefined && o.replace_key_prefix !== undefined) {
    throw new ConfigError(path, 'replace_key_prefix and modify_inplace cannot be used together');
  }
  return new ModifyKeyRoute(factory.create(o.target, childPath(path, 'target')), {
    routingPrefix: rp === undefined ? null : Buffer.from(rp, 'latin1'),
    keyPrefix: Buffer.from(o.ensure_key_prefix ?? '', 'latin1'),
    modifyInplace: o.modify_inplace ?? false,
    replacePrefix: o.replace_key_prefix === undefined ? null : Buffer.from(o.replace_key_prefix, 'latin1'),
    keySuffix: o.set_key_suffix === undefined ? null : Buffer.from(o.set_key_suffix, 'latin1'),
  });
};
