/** Capturing the process logger's JSON lines in tests (`setLogger` replaces the live binding). */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { log, setLogger } from '../../proxy/logger.js';

/** One captured log line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Collects every log line from now until `restore()`. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  private readonly previous = log;

  constructor(level = 'info') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim() !== '') this.lines.push(JSON.parse(line) as LogLine);
        }
        done();
      },
    });
    setLogger(pino({ level }, sink));
  }

  /** Messages of every line so far. */
  get messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  /** Lines whose message contains `text`. */
  matching(text: string): LogLine[] {
    return this.lines.filter((l) => l.msg.includes(text));
  }

  /** Puts the previous logger back. */
  restore(): void {
    setLogger(this.previous);
  }
}
