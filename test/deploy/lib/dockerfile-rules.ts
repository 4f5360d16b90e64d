/**
 * A Dockerfile linter for the image's rules, used because hadolint is not installable here (no
 * Debian package; the npm wrapper needs Node ≥ 21). Parsing is dockerfile-ast's (the parser behind
 * the VS Code Docker extension); the rules are hadolint's where one exists (DLxxxx ids) plus this
 * project's own (multi-stage, non-root numeric user, digest-pinned supported Node base, a health
 * check that starts no Node process, ports, labels).
 */
import { DockerfileParser, type Instruction, type From } from 'dockerfile-ast';

/** One broken rule: its id, the 1-based line, and what is wrong. */
export interface Violation {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

/** What the image must provide. */
export interface ImageExpectations {
  readonly exposedPorts: readonly number[];
  readonly labels: readonly string[];
  /** Paths in the build context that exist (COPY sources are checked against it). */
  readonly contextHas: (path: string) => boolean;
  /** Paths the .dockerignore excludes. */
  readonly ignored: (path: string) => boolean;
  /** Node.js majors the base image may have (the supported LTS lines). */
  readonly nodeMajors: readonly number[];
  /** The text of the file an image path comes from (the health check script), or undefined. */
  readonly imageFile: (imagePath: string) => string | undefined;
}

interface Stage {
  readonly from: From;
  readonly name: string | null;
  readonly instructions: Instruction[];
}

function lineOf(i: Instruction): number {
  return i.getRange().start.line + 1;
}

/** The RUN/ENTRYPOINT… text with line continuations joined. */
function argsText(i: Instruction): string {
  return (i.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');
}

/** The words of an exec-form (JSON array) instruction, or null for the shell form. */
function execForm(i: Instruction): string[] | null {
  const text = argsText(i)
    .replace(/^(\s*--\S+)+\s*/, '')
    .replace(/^CMD\s+/, '')
    .trim();
  if (!text.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((w) => typeof w === 'string') ? v : null;
  } catch {
    return null;
  }
}

function flagValues(i: Instruction, name: string): string[] {
  const flags = (i as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] })
    .getFlags;
  if (flags === undefined) return [];
  return flags
    .call(i)
    .filter((f) => f.getName() === name)
    .map((f) => f.getValue() ?? '');
}

/**
 * Lints `content` (a Dockerfile) against the image rules.
 * @returns every violation, in file order (empty when the Dockerfile is fine)
 */
export function lintDockerfile(content: string, expect: ImageExpectations): Violation[] {
  const df = DockerfileParser.parse(content);
  const out: Violation[] = [];
  const add = (rule: string, at: Instruction | number, message: string): void => {
    out.push({ rule, line: typeof at === 'number' ? at : lineOf(at), message });
  };

  const argDefaults = new Map<string, string>();
  for (const a of df.getInitialARGs()) {
    const [name, value] = argsText(a).split('=', 2);
    if (name !== undefined && value !== undefined) argDefaults.set(name.trim(), value.trim());
  }
  const resolve = (s: string): string =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
      return argDefaults.get(a ?? b ?? '') ?? '';
    });

  // Stages.
  const froms = new Map<number, From>(df.getFROMs().map((f) => [lineOf(f), f]));
  const stages: Stage[] = [];
  for (const i of df.getInstructions()) {
    const from = froms.get(lineOf(i));
    if (from !== undefined) stages.push({ from, name: from.getBuildStage(), instructions: [] });
    else stages.at(-1)?.instructions.push(i);
  }
  if (stages.length < 2)
    add('MS1', 1, 'not multi-stage: build with dev dependencies, ship a separate runtime stage');
  const stageNames = new Set(stages.map((s) => s.name).filter((n): n is string => n !== null));
  for (const s of stages) {
    if (s.name === null) add('MS1', s.from, 'every stage is named (FROM … AS <name>)');
    const words = argsText(s.from)
      .split(/\s+/)
      .filter((w) => w !== '' && !w.startsWith('--'));
    const image = resolve(words[0] ?? '');
    if (stageNames.has(image)) continue;
    const m = /^([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image);
    const tag = m?.[2];
    if (m === null || (tag === undefined && m[3] === undefined))
      add('DL3006', s.from, `base image ${JSON.stringify(image)} has no tag`);
    else if (tag === 'latest') add('DL3007', s.from, `base image ${image} uses "latest"`);
    else if (tag !== undefined && !/\d+\.\d+/.test(tag))
      add('PIN1', s.from, `base image tag ${tag} is not pinned to a major.minor version`);
    if (m !== null && m[3] === undefined)
      add('PIN2', s.from, `base image ${image} is not pinned by digest (@sha256:…)`);
    const major = m?.[1] === 'node' ? /^(\d+)/.exec(tag ?? '')?.[1] : undefined;
    if (major !== undefined && !expect.nodeMajors.includes(Number(major)))
      add('NODE1', s.from, `Node.js ${major} is not a supported LTS (${expect.nodeMajors.join(', ')})`);
  }
  if (/:latest\b/.test(content)) add('DL3007', 1, 'no "latest" tag anywhere');

  const final = stages.at(-1);
  for (const s of stages) {
    const isFinal = s === final;
    let sawUser = false;
    for (const i of s.instructions) {
      const kw = i.getKeyword();
      const text = argsText(i);
      if (kw === 'ADD') add('DL3020', i, 'use COPY, not ADD');
      if (kw === 'WORKDIR' && !text.trim().startsWith('/')) add('DL3000', i, 'WORKDIR must be absolute');
      if (kw === 'RUN') {
        if (/(^|[;&|]\s*)cd\s/.test(text)) add('DL3003', i, 'use WORKDIR, not cd');
        if (/\bsudo\b/.test(text)) add('DL3004', i, 'no sudo');
        if (/[^|]\|[^|]/.test(text) && !content.includes('pipefail'))
          add('DL4006', i, 'a pipe in RUN needs SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
        if (/apt-get\s+(dist-)?upgrade/.test(text)) add('DL3005', i, 'no apt-get upgrade');
        if (/apt-get\s+install/.test(text)) {
          if (!/apt-get\s+install\b[^;&|]*\s(-y|--yes)\b/.test(text))
            add('DL3014', i, 'apt-get install needs -y');
          if (!text.includes('--no-install-recommends'))
            add('DL3015', i, 'apt-get install needs --no-install-recommends');
          if (!/apt-get\s+update/.test(text.slice(0, text.indexOf('apt-get install'))))
            add('DL3009', i, 'apt-get update and install in the same RUN');
          if (!/rm\s+-rf\s+\/var\/lib\/apt\/lists\/\*/.test(text))
            add('DL3009', i, 'remove /var/lib/apt/lists/* in the same RUN');
        }
        if (/\bnpm\s+install\b|\bnpm\s+i\b/.test(text))
          add('DL3016', i, 'use npm ci with the lockfile, not npm install');
        if (isFinal && /\bnpm\s+ci\b/.test(text) && !text.includes('--omit=dev'))
          add('MS3', i, 'the runtime stage installs production dependencies only (npm ci --omit=dev)');
        if (isFinal && /\bnpm\s+run\s+build\b|\btsc\b/.test(text))
          add('MS3', i, 'no build in the runtime stage');
      }
      if (kw === 'USER') sawUser = true;
      if (isFinal && kw === 'COPY') {
        const from = flagValues(i, 'from')[0];
        const words = text.replace(/--\S+/g, '').trim().split(/\s+/);
        const sources = words.slice(0, -1);
        if (from !== undefined) {
          for (const src of sources)
            if (!/(^|\/)dist(\/|$)/.test(src))
              add('MS2', i, `copies ${src} from ${from}: only dist/ leaves the build stage`);
        }
      }
      if (kw === 'COPY' && flagValues(i, 'from').length === 0) {
        const words = text.replace(/--\S+/g, '').trim().split(/\s+/);
        for (const src of words.slice(0, -1)) {
          if (src === '.') continue;
          const rel = src.replace(/\/$/, '');
          if (!expect.contextHas(rel))
            add('CP1', i, `COPY source ${src} does not exist in the build context`);
          else if (expect.ignored(rel)) add('CP1', i, `COPY source ${src} is excluded by .dockerignore`);
        }
      }
      if ((kw === 'ENTRYPOINT' || kw === 'CMD') && execForm(i) === null)
        add('DL3025', i, `${kw} in exec (JSON) form, so signals reach the process`);
    }
    if (!isFinal) continue;

    // The runtime stage.
    const users = s.instructions.filter((i) => i.getKeyword() === 'USER');
    const lastUser = users.at(-1);
    if (!sawUser || lastUser === undefined) add('US1', s.from, 'the runtime stage sets a non-root USER');
    else {
      const user = argsText(lastUser).trim();
      const who = user.split(':')[0]?.trim() ?? '';
      if (who === 'root' || who === '0') add('US1', lastUser, 'the last USER is root');
      else if (!/^\d+:\d+$/.test(user))
        add('US2', lastUser, `USER ${user} is not a numeric uid:gid (runAsNonRoot cannot verify a name)`);
      const entry = s.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT');
      if (entry !== undefined && lineOf(entry) < lineOf(lastUser))
        add('US1', lastUser, 'USER comes before ENTRYPOINT');
    }
    const hcs = s.instructions.filter((i) => i.getKeyword() === 'HEALTHCHECK');
    if (hcs.length !== 1) add('HC1', s.from, 'exactly one HEALTHCHECK in the runtime stage');
    for (const hc of hcs) {
      for (const f of ['interval', 'timeout', 'retries'])
        if (flagValues(hc, f).length === 0) add('HC1', hc, `HEALTHCHECK sets --${f}`);
      const cmd = execForm(hc);
      if (cmd === null) add('HC1', hc, 'HEALTHCHECK CMD in exec form');
      else if (!cmd.some((w) => w.includes('healthcheck')))
        add('HC1', hc, 'HEALTHCHECK runs the healthcheck (version through the proxy)');
      else {
        const script = expect.imageFile(cmd[0] ?? '');
        const startsNode =
          /(^|\/)(node|npm|npx|entrypoint)$/.test(cmd[0] ?? '') ||
          script === undefined ||
          /^\s*(exec\s+)?(node|npm|npx)\b/m.test(script) ||
          /\/dist\/.*\.js\b/.test(script);
        if (startsNode) add('HC2', hc, `HEALTHCHECK ${cmd.join(' ')} starts a Node process`);
      }
    }
    const exposed = new Set(
      s.instructions
        .filter((i) => i.getKeyword() === 'EXPOSE')
        .flatMap((i) => argsText(i).split(/\s+/))
        .map((p) => Number(p.split('/')[0])),
    );
    for (const p of expect.exposedPorts) if (!exposed.has(p)) add('EX1', s.from, `EXPOSE ${p}`);
    const labelText = s.instructions
      .filter((i) => i.getKeyword() === 'LABEL')
      .map(argsText)
      .join(' ');
    for (const l of expect.labels) if (!labelText.includes(`${l}=`)) add('LB1', s.from, `LABEL ${l}`);
    const entry = s.instructions.filter((i) => i.getKeyword() === 'ENTRYPOINT');
    if (entry.length !== 1) add('EP1', s.from, 'exactly one ENTRYPOINT in the runtime stage');
  }
  return out.sort((a, b) => a.line - b.line);
}
