/**
 * Features extracted once per (model, dataset split) and reused by the kNN, the linear probe
 * and every label fraction: kept in memory and, when a directory is given, in a file.
 *
 * File format (little-endian): 8-byte magic `DSCFEAT1`, uint32 n, uint32 dim, then n·dim
 * float32 features (row-major) and n int32 labels. The size must match exactly.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { EvalInputError, FeatureFileError } from './errors.ts';
import { makeFeatureSet, type FeatureSet } from './feature_set.ts';

const MAGIC = 'DSCFEAT1';
const HEADER = 16;

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new FeatureFileError('feature files are little-endian; this machine is big-endian');
}

/** Writes `set` to `path` (atomically: a temporary file, then a rename). */
export async function saveFeatureSet(path: string, set: FeatureSet): Promise<void> {
  checkLittleEndian();
  const buf = Buffer.alloc(HEADER + set.n * set.dim * 4 + set.n * 4);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(set.n, 8);
  buf.writeUInt32LE(set.dim, 12);
  Buffer.from(set.features.buffer, set.features.byteOffset, set.features.byteLength).copy(buf, HEADER);
  Buffer.from(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength).copy(buf, HEADER + set.n * set.dim * 4);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, buf);
  await rename(tmp, path);
}

/** Reads a file written by `saveFeatureSet`, checking magic, sizes and values. */
export async function loadFeatureSet(path: string): Promise<FeatureSet> {
  checkLittleEndian();
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new FeatureFileError(`${path}: cannot read (${(err as Error).message})`);
  }
  if (buf.length < HEADER || buf.toString('latin1', 0, 8) !== MAGIC) throw new FeatureFileError(`${path}: not a disco feature file (bad magic)`);
  const n = buf.readUInt32LE(8);
  const dim = buf.readUInt32LE(12);
  const expected = HEADER + n * dim * 4 + n * 4;
  if (buf.length !== expected) throw new FeatureFileError(`${path}: ${buf.length} bytes, expected ${expected} for n=${n}, dim=${dim}`);
  // Copy into fresh, aligned arrays (a Buffer's offset need not be a multiple of 4).
  const features = new Float32Array(n * dim);
  new Uint8Array(features.buffer).set(buf.subarray(HEADER, HEADER + n * dim * 4));
  const labels = new Int32Array(n);
  new Uint8Array(labels.buffer).set(buf.subarray(HEADER + n * dim * 4));
  try {
    return makeFeatureSet(features, labels, dim, path);
  } catch (err) {
    throw new FeatureFileError(`${path}: ${(err as Error).message}`);
  }
}

/**
 * Memory (and optional file) cache of FeatureSets by key. A key names the model and the data
 * (e.g. `r18-mocov2-ep200.fmnist-train`); it becomes a file name, so only [A-Za-z0-9._-].
 */
export class FeatureCache {
  private readonly memory = new Map<string, FeatureSet>();

  /** `dir`: where feature files live (created on first write); none = memory only. */
  constructor(readonly dir?: string) {}

  /** The cached set for `key`, else `compute()`'s result, stored in memory and file. */
  async get(key: string, compute: () => Promise<FeatureSet>): Promise<FeatureSet> {
    if (!/^[A-Za-z0-9._-]+$/.test(key) || key.startsWith('.')) {
      throw new EvalInputError(`cache key '${key}' must match [A-Za-z0-9._-]+ and not start with '.'`);
    }
    const hit = this.memory.get(key);
    if (hit) return hit;
    const path = this.dir ? join(this.dir, `${key}.feat`) : undefined;
    if (path) {
      try {
        const set = await loadFeatureSet(path);
        this.memory.set(key, set);
        return set;
      } catch (err) {
        const missing = err instanceof FeatureFileError && /ENOENT/.test(err.message);
        if (!missing) throw err;
      }
    }
    const set = await compute();
    this.memory.set(key, set);
    if (path) {
      await mkdir(this.dir!, { recursive: true });
      await saveFeatureSet(path, set);
    }
    return set;
  }

  has(key: string): boolean {
    return this.memory.has(key);
  }

  /** Drops the in-memory copies (files stay). */
  clear(): void {
    this.memory.clear();
  }
}
