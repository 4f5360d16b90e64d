/**
 * `HOST:PORT` as the bench's forwarders take their `--backend` (bench/null-proxy.ts,
 * bench/mux-floor.ts).
 * @throws Error naming the flag when `s` has no host or no port in 1–65535
 */
export function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`bad --backend '${s}' (want HOST:PORT)`);
  return { host: s.slice(0, i), port };
}
