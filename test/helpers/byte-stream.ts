/**
 * Checks a long reply stream byte by byte as it arrives, without keeping it (a 2 GB multi-get reply
 * must not be buffered by the test either).
 */
import type net from 'node:net';

/** One run of the expected stream: `bytes` repeated `times` times. */
export interface StreamPart {
  readonly bytes: Buffer;
  readonly times: number;
}

/**
 * Resolves with the number of bytes matched once `socket` has delivered exactly the concatenation
 * of `parts`; rejects at the first differing byte (naming the part, repetition and offset), or when
 * the socket closes first. Stops listening once done.
 */
export function expectStream(socket: net.Socket, parts: readonly StreamPart[]): Promise<number> {
  let part = 0;
  let rep = 0;
  let offset = 0;
  let total = 0;
  const skipEmpty = (): void => {
    while (part < parts.length && (parts[part] as StreamPart).times === rep) {
      part++;
      rep = 0;
    }
  };
  skipEmpty();
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      let i = 0;
      while (i < chunk.length) {
        const p = parts[part];
        const n = p === undefined ? 1 : Math.min(chunk.length - i, p.bytes.length - offset);
        if (p === undefined || chunk.compare(p.bytes, offset, offset + n, i, i + n) !== 0) {
          socket.off('data', onData);
          reject(new Error(`stream differs: part ${part}, repetition ${rep}, near offset ${offset}`));
          return;
        }
        i += n;
        total += n;
        offset += n;
        if (offset === p.bytes.length) {
          offset = 0;
          rep++;
          skipEmpty();
          if (part === parts.length) {
            socket.off('data', onData);
            socket.off('close', onClose);
            resolve(total);
            return;
          }
        }
      }
    };
    const onClose = (): void => {
      reject(new Error(`closed after ${total} bytes: part ${part}, repetition ${rep}`));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
