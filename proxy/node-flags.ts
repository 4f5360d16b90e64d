/**
 * The Node (V8) flags mcproxy runs with. Every launcher passes them: the `mcproxy` bin's shebang
 * (`proxy/cli.ts`), `docker/bin/mcproxy`, the sidecar supervisor, and the tests and scripts that
 * spawn `dist/proxy/cli.js`. `--num-proxies` workers inherit them (`cluster.fork` reuses
 * `process.execArgv`).
 *
 * `--single-threaded-gc`: V8 collects garbage on the main thread only. Every chunk read from a
 * client socket (and from a backend while a long value arrives, `destination/backend-reader.ts`)
 * is a fresh 64 KiB ArrayBuffer whose memory returns to the system only once V8 has
 * marked and swept it. With V8's background GC threads (concurrent marking and array-buffer
 * sweeping), a proxy moving large values on a busy host (a CPU-limited container, a shared
 * machine) frees those chunks only when the starved background threads get to run: streaming
 * 3 GB to a slow client took RSS from 90 MB to 220–770 MB while the live buffers stayed under
 * the 16 MiB client share (docs/memory.md). On the main thread the collection runs when the
 * allocation that triggers it does, and RSS stayed at 85–92 MB in the same runs. The heap is
 * small (tens of MB), so the pauses stay short. The flag cannot be set once V8 runs
 * (`v8.setFlagsFromString` then aborts in a later collection), hence on the command line.
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
