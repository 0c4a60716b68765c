/**
 * Random access to a weight file without loading it whole (a MoCo-v2 ResNet-50 checkpoint with
 * its key encoder and optimiser is ~400 MB; import reads only what it keeps). Every read is
 * checked against the file size, so a truncated file fails with the range it wanted.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { WeightFileError } from './errors.ts';

export class ByteSource {
  private fd: number | undefined;
  readonly size: number;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    this.size = fstatSync(fd).size;
  }

  static open(path: string): ByteSource {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new WeightFileError(path, `cannot open: ${(err as Error).message}`);
    }
    return new ByteSource(path, fd);
  }

  /** Bytes [offset, offset + length); `what` names them in the error if the file is too short. */
  read(offset: number, length: number, what: string): Uint8Array {
    if (this.fd === undefined) throw new WeightFileError(this.path, 'read after close');
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new WeightFileError(this.path, `${what}: invalid byte range offset ${offset}, length ${length}`);
    }
    if (offset + length > this.size) {
      throw new WeightFileError(
        this.path,
        `truncated or corrupt: ${what} needs bytes [${offset}, ${offset + length}) but the file has ${this.size} bytes`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new WeightFileError(this.path, `${what}: unexpected end of file at byte ${offset + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Opens `path`, runs `fn`, always closes. */
export function withByteSource<T>(path: string, fn: (src: ByteSource) => T): T {
  const src = ByteSource.open(path);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}
