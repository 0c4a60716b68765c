/**
 * A small read-only zip reader for PyTorch checkpoints: central directory (with ZIP64),
 * stored and deflated entries, CRC-32 checked on every read. PyTorch writes stored entries
 * whose data it aligns with padding in the local header's extra field, so data offsets come
 * from the local header, never from the central directory.
 */
import * as zlib from 'node:zlib';
import type { ByteSource } from './byte_source.ts';
import { WeightFileError } from './errors.ts';

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly src: ByteSource) {
    const { cdOffset, cdSize, count } = this.findDirectory();
    const cd = new DataView(src.read(cdOffset, cdSize, 'zip central directory').buffer);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.byteLength || cd.getUint32(p, true) !== CENTRAL) this.fail(`central directory entry ${i} is corrupt`);
      const nameLen = cd.getUint16(p + 28, true);
      const extraLen = cd.getUint16(p + 30, true);
      const commentLen = cd.getUint16(p + 32, true);
      if (p + 46 + nameLen + extraLen + commentLen > cd.byteLength) this.fail(`central directory entry ${i} overruns the directory`);
      const name = new TextDecoder().decode(new Uint8Array(cd.buffer, p + 46, nameLen));
      const e: ZipEntry = {
        name,
        method: cd.getUint16(p + 10, true),
        crc32: cd.getUint32(p + 16, true),
        compressedSize: cd.getUint32(p + 20, true),
        size: cd.getUint32(p + 24, true),
        localHeaderOffset: cd.getUint32(p + 42, true),
      };
      applyZip64Extra(e, new DataView(cd.buffer, p + 46 + nameLen, extraLen));
      this.entries.set(name, e);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** The entry's bytes, inflated if needed, CRC-checked. */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) this.fail(`zip entry '${name}' is missing`);
    const entry = e as ZipEntry;
    const local = new DataView(this.src.read(entry.localHeaderOffset, 30, `local header of '${name}'`).buffer);
    if (local.getUint32(0, true) !== LOCAL) this.fail(`local header of '${name}' is corrupt`);
    const start = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    const stored = this.src.read(start, entry.compressedSize, `zip entry '${name}'`);
    let data: Uint8Array;
    if (entry.method === 0) data = stored;
    else if (entry.method === 8) {
      try {
        // Never inflate past the size the directory declares (a zip bomb stops here).
        data = new Uint8Array(zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, entry.size) }));
      } catch (err) {
        this.fail(`zip entry '${name}' does not inflate: ${(err as Error).message}`);
      }
    } else this.fail(`zip entry '${name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
    if (data!.byteLength !== entry.size) this.fail(`zip entry '${name}' has ${data!.byteLength} bytes, the directory says ${entry.size}`);
    const crc = crc32(data!);
    if (crc !== entry.crc32) this.fail(`zip entry '${name}' is corrupt: CRC-32 ${hex(crc)} does not match ${hex(entry.crc32)}`);
    return data!;
  }

  private findDirectory(): { cdOffset: number; cdSize: number; count: number } {
    const tailLen = Math.min(this.src.size, 22 + 0xffff);
    if (tailLen < 22) this.fail('too short to be a zip file');
    const tailStart = this.src.size - tailLen;
    const tail = new DataView(this.src.read(tailStart, tailLen, 'zip end of central directory').buffer);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.getUint32(i, true) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) this.fail('no zip end-of-central-directory record (truncated or not a zip file)');
    let count = tail.getUint16(at + 10, true);
    let cdSize = tail.getUint32(at + 12, true);
    let cdOffset = tail.getUint32(at + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locAt = tailStart + at - 20;
      const loc = new DataView(this.src.read(locAt, 20, 'zip64 locator').buffer);
      if (loc.getUint32(0, true) !== EOCD64_LOCATOR) this.fail('zip64 locator is missing');
      const rec = new DataView(this.src.read(Number(loc.getBigUint64(8, true)), 56, 'zip64 end of central directory').buffer);
      if (rec.getUint32(0, true) !== EOCD64) this.fail('zip64 end of central directory is corrupt');
      count = Number(rec.getBigUint64(32, true));
      cdSize = Number(rec.getBigUint64(40, true));
      cdOffset = Number(rec.getBigUint64(48, true));
    }
    return { cdOffset, cdSize, count };
  }

  private fail(reason: string): never {
    throw new WeightFileError(this.src.path, reason);
  }
}

/** ZIP64 extended information (header 0x0001): 64-bit values replace the saturated ones, in order. */
function applyZip64Extra(e: ZipEntry, extra: DataView): void {
  for (let p = 0; p + 4 <= extra.byteLength; ) {
    const id = extra.getUint16(p, true);
    const len = extra.getUint16(p + 2, true);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (): number => {
        const v = Number(extra.getBigUint64(q, true));
        q += 8;
        return v;
      };
      if (e.size === 0xffffffff) e.size = next();
      if (e.compressedSize === 0xffffffff) e.compressedSize = next();
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = next();
    }
    p += 4 + len;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (zlib's when Node has it, ≥ 20.15; a table otherwise). */
export function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
