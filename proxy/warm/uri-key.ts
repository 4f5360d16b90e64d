/**
 * Keys as `lru_crawler metadump` prints them: URI-encoded (`memcached/util.c` `uriencode_p`:
 * every byte but `[A-Za-z0-9._~-]` becomes `%XX`, upper-case hex), so binary keys survive the
 * line format. Decoded back to the stored bytes here; keys the text protocol cannot carry as a
 * token go through meta's base64 `b` flag (`memcached/proto_text.c`, doc/protocol.txt).
 */

const PERCENT = 0x25;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes the URI-encoded key `src[start,end)` into `dst` at `at`.
 * @returns the position after the decoded bytes, or -1 when a `%` is not followed by two hex
 *   digits (not something memcached prints)
 */
export function uriDecodeInto(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  let o = at;
  for (let i = start; i < end; i++) {
    const c = src[i] ?? 0;
    if (c !== PERCENT) {
      dst[o++] = c;
      continue;
    }
    if (i + 2 >= end) return -1;
    const hi = hexValue(src[i + 1] ?? 0);
    const lo = hexValue(src[i + 2] ?? 0);
    if (hi < 0 || lo < 0) return -1;
    dst[o++] = (hi << 4) | lo;
    i += 2;
  }
  return o;
}

/**
 * True when the key bytes `key[start,end)` can be sent as a plain text-protocol token: printable
 * ASCII without spaces (0x21–0x7e). Anything else (spaces, control bytes, bytes ≥ 0x80) is sent
 * base64-encoded with meta's `b` flag.
 */
export function isTextKey(key: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = key[i] ?? 0;
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}
