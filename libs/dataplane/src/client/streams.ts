/** Stream helpers that respect backpressure and cancellation. */
import type { Writable } from 'node:stream';

export class StreamClosedError extends Error {
  override name = 'StreamClosedError';
}

/**
 * Writes one message; if the stream's buffer is full (`write()` returned false), waits for
 * `'drain'`. Rejects if the stream errors or closes first.
 */
export function writeMessage(stream: Writable, message: unknown): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.reject(new StreamClosedError('write after the stream ended'));
  if (stream.write(message)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new StreamClosedError('stream closed while waiting for drain'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

