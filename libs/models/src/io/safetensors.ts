/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}}`, then the
 * tensors' bytes (offsets relative to the end of the header). Reader checks every offset
 * against the dtype, shape and file size; writer is atomic (temp file, fsync, rename).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ByteSource } from './byte_source.ts';
import { WeightFileError } from './errors.ts';
import { DTYPE_BYTES, bytesOf, isDType, numel, type DType, type RawTensor, type TensorToWrite } from './raw_tensor.ts';
import type { TensorEntry, WeightFile } from './weight_file.ts';

const MAX_HEADER = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Opens a .safetensors file; tensors are read on demand until `close()`. */
export function openSafetensors(path: string): WeightFile {
  const src = ByteSource.open(path);
  try {
    const { entries, metadata, dataStart } = readHeader(src);
    const tensors = new Map<string, TensorEntry>();
    for (const [name, e] of entries) {
      tensors.set(name, {
        name,
        dtype: e.dtype,
        shape: e.shape,
        read: () => ({ dtype: e.dtype, shape: [...e.shape], data: src.read(dataStart + e.begin, e.end - e.begin, `tensor '${name}'`) }),
      });
    }
    return { path, format: 'safetensors', tensors, metadata, ignored: [], close: () => src.close() };
  } catch (err) {
    src.close();
    throw err;
  }
}

function readHeader(src: ByteSource): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  const fail = (reason: string): never => {
    throw new WeightFileError(src.path, `not a valid safetensors file: ${reason}`);
  };
  if (src.size < 8) fail(`${src.size} bytes is too short for the 8-byte header length`);
  const n = Number(new DataView(src.read(0, 8, 'header length').buffer).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER) fail(`header length ${n} is implausible`);
  const headerBytes = src.read(8, n, 'JSON header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    fail(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataSize = src.size - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, fail);
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`entry '${name}' is not an object`);
    if (typeof e.dtype !== 'string' || !isDType(e.dtype)) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const dtype = e.dtype as DType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has invalid shape ${JSON.stringify(e.shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const shape = e.shape as number[];
    const want = numel(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== want) fail(`tensor '${name}' [${shape}] ${dtype} needs ${want} bytes but data_offsets span ${end - begin}`);
    if (end > dataSize) {
      throw new WeightFileError(src.path, `truncated or corrupt: tensor '${name}' ends at data byte ${end} but the file holds only ${dataSize} data bytes`);
    }
    entries.set(name, { dtype, shape, begin, end });
  }
  checkNoOverlap(entries, fail);
  return { entries, metadata, dataStart };
}

function parseMetadata(raw: unknown, fail: (r: string) => never): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ value of '${k}' is not a string`);
    out[k] = v as string;
  }
  return out;
}

function checkNoOverlap(entries: Map<string, HeaderEntry>, fail: (r: string) => never): void {
  const sorted = [...entries].filter(([, e]) => e.end > e.begin).sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][1].begin < sorted[i - 1][1].end) fail(`tensors '${sorted[i - 1][0]}' and '${sorted[i][0]}' overlap`);
  }
}

/**
 * Writes `tensors` (in map order) and string `metadata` as safetensors, atomically: the file
 * appears complete at `path` or not at all. PyTorch loads it with `safetensors.torch.load_file`.
 */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, TensorToWrite>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new RangeError(`${path}: '__metadata__' is reserved and cannot name a tensor`);
    const want = numel(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== want) throw new RangeError(`${path}: tensor '${name}' [${t.shape}] ${t.dtype} needs ${want} bytes, got ${t.data.byteLength}`);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + want] };
    chunks.push(bytesOf(t.data));
    offset += want;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf-8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  writeFileAtomic(path, [len, headerBytes, ...chunks]);
}

/** Writes `chunks` to a temporary sibling, fsyncs, and renames it over `path`. */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.byteLength) done += writeSync(fd, c, done, c.byteLength - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Reads a whole .safetensors file (a disco checkpoint, say) into memory. */
export function readSafetensors(path: string): { tensors: Map<string, RawTensor>; metadata: Record<string, string> } {
  const file = openSafetensors(path);
  try {
    return { tensors: new Map([...file.tensors].map(([n, e]) => [n, e.read()])), metadata: file.metadata };
  } finally {
    file.close();
  }
}
