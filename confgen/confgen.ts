/**
 * One confgen cycle: discover (every provider, in parallel) → topology → render → safety check →
 * atomic write if the content changed. A failing provider means nothing is written: the last good
 * file stays, and the next cycle tries again.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { log } from '../proxy/logger.js';
import type { ServerProvider } from './providers/provider.js';
import { SafetyGuard, topologyOfConfig } from './safety.js';
import { renderConfig, type Template, type TemplateSettings } from './templates/template.js';
import { sortServers, type Topology } from './topology.js';
import { readCurrent, writeIfChanged } from './writer.js';

/** Everything a cycle needs. */
export interface ConfgenSettings {
  readonly peers: readonly ServerProvider[];
  readonly central: readonly ServerProvider[];
  /** Resolves the local server (`--local`). */
  readonly local: () => Promise<string>;
  readonly template: Template;
  readonly templateSettings: TemplateSettings;
  /** `--output`; may be undefined only with `dryRun`. */
  readonly output: string | undefined;
  /** `--dry-run`: print the config and a diff, write nothing. */
  readonly dryRun: boolean;
  readonly guard: SafetyGuard;
  /** Where `--dry-run` prints (stdout). */
  readonly print: (text: string) => void;
}

/** What a cycle did. */
export type RunOutcome =
  'written' | 'unchanged' | 'printed' | 'discovery-failed' | 'refused' | 'write-failed';

/** What the last cycle did, for the metrics (`confgen/metrics.ts`). */
export interface CycleReport {
  readonly outcome: RunOutcome;
  /** Seconds the cycle took. */
  readonly seconds: number;
  /** The discovered topology (absent when discovery failed). */
  readonly topology?: Topology | undefined;
  /** Why nothing was written (discovery-failed, refused, write-failed). */
  readonly reason?: string | undefined;
}

/** See the file comment. */
export class Confgen {
  /** The topology last written or found already written (the shrink guard's baseline). */
  private previous: Topology | null = null;
  /** The last cycle's report (null before the first). */
  lastReport: CycleReport | null = null;
  private started = 0;

  private done(outcome: RunOutcome, topology?: Topology, reason?: string): RunOutcome {
    const seconds = (performance.now() - this.started) / 1000;
    this.lastReport = { outcome, seconds, topology, reason };
    return outcome;
  }

  constructor(private readonly s: ConfgenSettings) {}

  /**
   * Asks every provider.
   * @throws DiscoveryError (the first failure) when any provider fails
   */
  async discover(): Promise<Topology> {
    const [local, peers, central] = await Promise.all([
      this.s.local(),
      gather(this.s.peers),
      gather(this.s.central),
    ]);
    return { local, peers: sortServers(peers), central: sortServers(central) };
  }

  /** Runs one cycle. Never throws. */
  async runOnce(): Promise<RunOutcome> {
    const started = performance.now();
    this.started = started;
    let topology: Topology;
    try {
      topology = await this.discover();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'discovery failed; keeping the last good file');
      return this.done('discovery-failed', undefined, `discovery failed: ${(err as Error).message}`);
    }
    const content = renderConfig(this.s.template, topology, this.s.templateSettings);
    const output = this.s.output;
    let current: string | null = null;
    if (output !== undefined) {
      try {
        current = await readCurrent(output);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        log.error({ output, code }, 'cannot read the current config');
        if (!this.s.dryRun) return this.done('write-failed', topology, `cannot read ${output}: ${code}`);
      }
    }
    const previous = this.previous ?? (current !== null ? topologyOfConfig(current) : null);
    const verdict = this.s.guard.check(topology, previous);
    if (this.s.dryRun) {
      this.s.print(content);
      if (output !== undefined) {
        this.s.print(createTwoFilesPatch(output, output, current ?? '', content, 'current', 'generated'));
      }
      if (!verdict.ok) log.warn({ reason: verdict.reason }, `a real run would not write: ${verdict.reason}`);
      return this.done('printed', topology);
    }
    if (!verdict.ok) {
      log.warn(
        { reason: verdict.reason, peers: topology.peers, previousPeers: previous?.peers },
        `not writing: ${verdict.reason}; keeping the last good file`,
      );
      return this.done('refused', topology, verdict.reason);
    }
    let outcome: RunOutcome;
    try {
      outcome = await writeIfChanged(output as string, content);
    } catch (err) {
      log.error(
        { output, err: (err as Error).message },
        'cannot write the config; keeping the last good file',
      );
      return this.done('write-failed', topology, `cannot write ${output}: ${(err as Error).message}`);
    }
    const before = new Set(previous?.peers ?? []);
    const after = new Set(topology.peers);
    log[outcome === 'written' ? 'info' : 'debug'](
      {
        output,
        md5: createHash('md5').update(content).digest('hex'),
        local: topology.local,
        peers: topology.peers.length,
        central: topology.central.length,
        peersAdded: topology.peers.filter((p) => !before.has(p)),
        peersRemoved: [...before].filter((p) => !after.has(p)),
        ms: Math.round(performance.now() - started),
      },
      outcome === 'written' ? 'config written' : 'config unchanged',
    );
    this.previous = topology;
    return this.done(outcome, topology);
  }
}

async function gather(providers: readonly ServerProvider[]): Promise<string[]> {
  const lists = await Promise.all(providers.map((p) => p.list()));
  return lists.flat();
}
