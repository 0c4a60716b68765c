/** Reads the golden values written by test/reference/disco_reference_step.py. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TensorRecord } from '@disco/disco';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../test/fixtures/disco/', import.meta.url));

export interface Fixture {
  meta: Record<string, unknown>;
  scalars: Record<string, number>;
  tensors: Map<string, TensorRecord>;
}

interface IndexEntry {
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
}

export function readFixture(stem: string): Fixture {
  const index = JSON.parse(readFileSync(`${FIXTURE_DIR}${stem}.json`, 'utf8')) as {
    meta: Record<string, unknown>;
    scalars: Record<string, number>;
    tensors: Record<string, IndexEntry>;
  };
  const bin = readFileSync(`${FIXTURE_DIR}${stem}.bin`);
  const tensors = new Map<string, TensorRecord>();
  for (const [name, e] of Object.entries(index.tensors)) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    const bytes = bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + 4 * count);
    const data = e.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { meta: index.meta, scalars: index.scalars, tensors };
}

/** Tensors whose names start with `prefix`, with the prefix removed. */
export function withPrefix(tensors: ReadonlyMap<string, TensorRecord>, prefix: string): Map<string, TensorRecord> {
  return new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** Largest |a − b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
