/**
 * Dry runs through a config's route tree for `__mcrouter__.route_handles(op,key)` and
 * `__mcrouter__.route(op,key)` (`mcrouter/ServiceInfo-inl.h`). They walk the tree with
 * each handle's `traverse` (`mcrouter/routes/`: the children a request would reach), so nothing is sent and
 * no reply is awaited.
 */
import { AdminCommandError } from '../errors.js';
import { McRequest } from '../protocol/request.js';
import { opFromName } from '../protocol/op.js';
import type { RouteHandle } from '../routes/route-handle.js';
import { DestinationRoute } from '../routes/destination-route.js';

/**
 * The request a dry run routes: op by its carbon name, key as given, or a JSON object
 * `{"key": ..., "exptime": ..., "flags": ..., "value": ...}` filling those fields (mcrouter
 * accepts a `{...}` key and fills the request from it).
 * @throws AdminCommandError `route: unknown request <op>` for an op this proxy cannot route (mcrouter's text),
 *   or the JSON parser's message for a malformed `{...}` key
 */
export function dryRunRequest(opName: string, key: string): McRequest {
  const op = opFromName(opName);
  if (op === undefined) throw new AdminCommandError(`route: unknown request ${opName}`);
  if (key.length >= 2 && key.startsWith('{') && key.endsWith('}')) {
    const fields = JSON.parse(key) as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return new McRequest(
      op,
      Buffer.from(str(fields.key), 'latin1'),
      num(fields.flags),
      num(fields.exptime),
      Buffer.from(str(fields.value), 'latin1'),
    );
  }
  return new McRequest(op, Buffer.from(key, 'latin1'));
}

/**
 * `route_handles`: the tree `req` walks from `root`, one handle name per line, indented one space
 * per depth (mcrouter's `RouteHandleTraverser` output, `root` first at depth 0). Each line ends
 * with `\n`.
 */
export function routeHandlesText(root: RouteHandle, req: McRequest): string {
  let out = `${root.name}\n`;
  root.traverse(
    req,
    (handle, depth) => {
      out += `${' '.repeat(depth)}${handle.name}\n`;
    },
    0,
  );
  return out;
}

/**
 * `route`: the servers `req` would be sent to, `host:port` (or `unix:<path>`), in the order the
 * tree reaches them; a server reached twice is listed twice (as mcrouter's recording does).
 */
export function routeDestinations(root: RouteHandle, req: McRequest): string[] {
  const out: string[] = [];
  const visit = (handle: RouteHandle): void => {
    if (handle instanceof DestinationRoute) out.push(handle.destination.hostPort);
  };
  visit(root);
  root.traverse(req, visit, 0);
  return out;
}
