/**
 * The client battery, written once: the steps every client script runs, in order, and what each
 * must observe against memcached. Each script (test/clients/scripts/*) takes
 * `<host> <port> <mode> <prefix>` and prints one line per step, `STEP <name> <outcome>`, then
 * `DONE`. An outcome is the step's observations joined by `,` with these tokens:
 *   stored | not_stored | exists | not_found | deleted | touched | hit | miss | same | error
 * plus literal values (`abc`, `15`). `error` is any failure the client reports (a server error
 * reply or the client refusing the request); `exception:<what>` is a step that threw where no
 * failure was expected. Keys are `<prefix><name>`, so runs against one memcached never collide.
 *
 * The vitest side (test/clients/client-battery.ts) runs the script against memcached directly,
 * through mcproxy on a PoolRoute, through the seed route (examples/colocated.json) and through the
 * `coherent` template, and compares the outcomes step by step (docs/clients.md). The `reread` key
 * ends in `/`, the delimiter the coherent target's memcacheds count per-prefix stats by
 * (`memcached -D /`, `stats detail`), so its reads can be counted on their own.
 */

/** One battery step: its name, what the script does, and the outcome memcached gives. */
export interface BatteryStep {
  readonly name: string;
  /** What the script does (keys relative to the prefix). */
  readonly does: string;
  /** The outcome against memcached 1.6 for a client that exposes the whole step. */
  readonly expect: string;
}

/** The steps, in the order the scripts run them. */
export const BATTERY: readonly BatteryStep[] = [
  {
    name: 'set_get',
    does: 'set "sg" = "hello world", get it',
    expect: 'stored,hello world',
  },
  {
    name: 'reread',
    does: 'set "rr/" = "x", then get it 3 times with the client\'s plain get',
    expect: 'stored,x,x,x',
  },
  {
    name: 'crlf_value',
    does: 'set "crlf" = "a\\r\\nEND\\r\\nb\\r\\n", get it and compare the bytes',
    expect: 'stored,same',
  },
  {
    name: 'value_500k',
    does: 'set "big500" = 512000 bytes of "abcdefghijklmnopqrstuvwxyz0123456789" repeated, get and compare',
    expect: 'stored,same',
  },
  {
    name: 'value_too_large',
    does: 'set "huge" = 2 MiB (over memcached\'s 1 MiB item size limit), then get it',
    expect: 'error,miss',
  },
  {
    name: 'add',
    does: 'add "add" = "1" (new), add "add" = "2" again, get it',
    expect: 'stored,not_stored,1',
  },
  {
    name: 'replace',
    does: 'replace "rep" (missing), set "rep" = "old", replace with "new", get it',
    expect: 'not_stored,stored,new',
  },
  {
    name: 'append_prepend',
    does: 'append "ap" (missing), set "ap" = "b", append "c", prepend "a", get it',
    expect: 'not_stored,stored,stored,abc',
  },
  {
    name: 'cas',
    does: 'set "cas" = "v1", gets it, cas "v2" with that token, cas "v3" with the same (stale) token, get, cas on the missing "casmiss"',
    expect: 'stored,exists,v2,not_found',
  },
  {
    name: 'incr_decr',
    does: 'set "ctr" = "10", incr 5, decr 20 (stops at 0), incr the missing "ctrmiss"',
    expect: '15,0,not_found',
  },
  {
    name: 'touch',
    does: 'set "tch" with exptime 100, touch it to 1000, get it, touch the missing "tchmiss"',
    expect: 'touched,hit,not_found',
  },
  {
    name: 'delete',
    does: 'set "del", delete it, delete it again, get it',
    expect: 'deleted,not_found,miss',
  },
  {
    name: 'multi_get',
    does: 'set "m<i>" = "v<i>" for even i in 0..99, get the 100 keys "m0".."m99" in one multi-get, count the hits and check their values',
    expect: '50,same',
  },
  {
    name: 'flags',
    does: 'store a value with flags the client exposes (raw flags 0xdeadbeef, or a typed value the client encodes in flags) and read it back',
    expect: 'same',
  },
  {
    name: 'key_250',
    does: 'set and get a 250-byte key (prefix padded with "k")',
    expect: 'stored,same',
  },
  {
    name: 'key_251',
    does: 'set a 251-byte key',
    expect: 'error',
  },
  {
    name: 'noreply',
    does: 'set "nr1" = "1", set "nr2" = "2", delete the missing "nr3", all with noreply / quiet opcodes, then get "nr1" and "nr2"',
    expect: '1,2',
  },
  {
    name: 'version',
    does: 'ask the server version: "ok" if it parses as major.minor.patch with major >= 1',
    expect: 'ok',
  },
  {
    name: 'stats',
    does: 'ask the general stats: "ok" if the client returns a non-empty stats map with "pid" and "uptime"',
    expect: 'ok',
  },
];

/** Parses a script's stdout into step → outcome (lines other than `STEP …` are ignored). */
export function parseOutcomes(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^STEP (\S+) (.*)$/.exec(line.trimEnd());
    if (m !== null) out.set(m[1] as string, m[2] as string);
  }
  return out;
}
