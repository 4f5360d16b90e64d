/**
 * A raw socket client for byte-exact protocol tests: send bytes, read exactly what comes back.
 */
import net from 'node:net';
import tls from 'node:tls';

/**
 * How long reads wait by default, ms: an upper bound for a reply that comes, so it only costs
 * time when a test fails; generous so a loaded CI machine (the two-worker pass) never reaches it.
 */
export const READ_TIMEOUT_MS = 10_000;

/** See the file comment. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private closedFlag = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on('error', () => {
      /* reported through close */
    });
  }

  /** Connects to `port` on 127.0.0.1 (or a unix socket `path`). */
  static connect(target: number | string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s =
        typeof target === 'number'
          ? net.connect({ port: target, host: '127.0.0.1' })
          : net.connect({ path: target });
      s.once('connect', () => {
        s.setNoDelay(true);
        resolve(new RawClient(s));
      });
      s.once('error', reject);
    });
  }

  /**
   * Connects with TLS to `port` on 127.0.0.1 (`options`: `ca`, `servername`, `session` …);
   * resolves once the handshake succeeded, rejects with the handshake error.
   */
  static connectTls(
    port: number,
    options: tls.ConnectionOptions = {},
  ): Promise<RawClient & { socket: tls.TLSSocket }> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', ...options });
      s.once('secureConnect', () => {
        s.setNoDelay(true);
        resolve(new RawClient(s) as RawClient & { socket: tls.TLSSocket });
      });
      s.once('error', reject);
    });
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.closedFlag) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Writes bytes (a string is sent as latin1). */
  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /**
   * Reads exactly `n` bytes, or whatever arrived before the connection closed or `timeoutMs`
   * passed (so a wrong reply shows up as a readable mismatch, not a hang).
   */
  async read(n: number, timeoutMs = READ_TIMEOUT_MS): Promise<Buffer> {
    await this.waitFor(() => this.buf.length >= n, timeoutMs);
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return Buffer.from(out);
  }

  /** Reads up to and including `terminator` (latin1), or what arrived before close/timeout. */
  async readUntil(terminator: string, timeoutMs = READ_TIMEOUT_MS): Promise<string> {
    const t = Buffer.from(terminator, 'latin1');
    await this.waitFor(() => this.buf.includes(t), timeoutMs);
    const i = this.buf.indexOf(t);
    const n = i >= 0 ? i + t.length : this.buf.length;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out.toString('latin1');
  }

  /** Sends `request` and reads as many bytes as `expected` has; returns them as latin1. */
  async call(request: string | Buffer, expected: string | Buffer): Promise<string> {
    this.send(request);
    const len = typeof expected === 'string' ? Buffer.byteLength(expected, 'latin1') : expected.length;
    return (await this.read(len)).toString('latin1');
  }

  /**
   * Sends `request` and reads one whole reply: a single line, or for a hit every `VALUE` block up
   * to `END`. For exact-byte checks where the reply's length is not known in advance.
   */
  async ask(request: string | Buffer): Promise<string> {
    this.send(request);
    const first = await this.readUntil('\r\n');
    if (!first.startsWith('VALUE ')) return first;
    return first + (await this.readUntil('END\r\n'));
  }

  /** Waits until the server closes the connection (or `timeoutMs`); returns whether it did. */
  async waitClosed(timeoutMs = READ_TIMEOUT_MS): Promise<boolean> {
    await this.waitFor(() => false, timeoutMs);
    return this.closedFlag;
  }

  /** Bytes received and not read yet. */
  get unread(): string {
    return this.buf.toString('latin1');
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}
