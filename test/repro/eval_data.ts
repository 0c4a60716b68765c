/**
 * The labelled evaluation sets: the first N images of Fashion-MNIST `train` (kNN bank and
 * linear-probe training set) and the first M of `t10k` (the held-out test set), written as an
 * IDX folder (`train-*`, `t10k-*`) that `disco eval --train/--test` reads.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export class EvalDataError extends Error {
  override name = 'EvalDataError';
}

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

/** The first `n` items of an IDX file (images: 16-byte header; labels: 8-byte header). */
export function idxPrefix(bytes: Buffer, n: number, file: string): Buffer {
  const magic = bytes.readUInt32BE(0);
  const count = bytes.readUInt32BE(4);
  if (magic !== IMAGES_MAGIC && magic !== LABELS_MAGIC) throw new EvalDataError(`${file}: not an IDX image or label file (magic ${magic})`);
  if (n > count) throw new EvalDataError(`${file}: asked for the first ${n} items but it holds ${count}`);
  const headerBytes = magic === IMAGES_MAGIC ? 16 : 8;
  const itemBytes = magic === IMAGES_MAGIC ? bytes.readUInt32BE(8) * bytes.readUInt32BE(12) : 1;
  const out = Buffer.from(bytes.subarray(0, headerBytes + n * itemBytes));
  out.writeUInt32BE(n, 4);
  return out;
}

function writeSplit(source: string, dest: string, split: string, n: number): void {
  for (const kind of ['images-idx3', 'labels-idx1']) {
    const from = join(source, `${split}-${kind}-ubyte.gz`);
    const to = join(dest, `${split}-${kind}-ubyte.gz`);
    if (existsSync(to)) continue;
    if (!existsSync(from)) throw new EvalDataError(`${from} does not exist (install Debian's dataset-fashion-mnist)`);
    writeFileSync(to, gzipSync(idxPrefix(gunzipSync(readFileSync(from)), n, from), { level: 6 }));
  }
}

/** Writes (once) `dir` with `trainImages` train and `testImages` test images; returns `dir`. */
export function prepareEvalData(source: string, dir: string, trainImages: number, testImages: number): string {
  mkdirSync(dir, { recursive: true });
  writeSplit(source, dir, 'train', trainImages);
  writeSplit(source, dir, 't10k', testImages);
  return dir;
}
