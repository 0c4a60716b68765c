/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun's, big-endian): images `[N, rows, cols]`
 * (or `[N, rows, cols, channels]`, channels 1 or 3) and labels `[N]`, unsigned bytes, plain or
 * gzipped (detected from the content). Files are loaded into memory once; items are views.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.ts';
import type { Dataset, DatasetItem } from './dataset.ts';
import { checkIndex } from './read-file.ts';

const UBYTE = 0x08;

interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw new DatasetError(`${file}: not an IDX file (bad magic)`);
  if (raw[2] !== UBYTE) throw new DatasetError(`${file}: IDX element type 0x${raw[2].toString(16)} is not unsigned byte (0x08)`);
  const ndims = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4 + 4 * ndims) throw new DatasetError(`${file}: IDX header cut short`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndims;
  if (raw.length !== start + count) throw new DatasetError(`${file}: IDX dims [${dims}] need ${count} bytes of data, found ${raw.length - start}`);
  return { dims, data: raw.subarray(start) };
}

async function load(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DatasetError(`IDX file ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseIdx(bytes, path);
}

export interface IdxFiles {
  readonly images: string;
  readonly labels?: string;
  readonly classes?: readonly string[];
}

export async function openIdx(files: IdxFiles): Promise<Dataset> {
  const images = await load(files.images);
  const [n, height, width, channels = 1] = images.dims;
  if ((images.dims.length !== 3 && images.dims.length !== 4) || (channels !== 1 && channels !== 3)) {
    throw new DatasetError(`${files.images}: IDX images must be [N, rows, cols] or [N, rows, cols, 1|3], got [${images.dims}]`);
  }
  const labels = files.labels ? await load(files.labels) : undefined;
  if (labels && (labels.dims.length !== 1 || labels.dims[0] !== n)) {
    throw new DatasetError(`${files.labels}: IDX labels must be [${n}], got [${labels.dims}]`);
  }
  const stem = basename(files.images);
  const bytes = width * height * channels;
  const description = `IDX ${files.images} (${n} images ${width}x${height}x${channels})`;
  return {
    length: n,
    classes: files.classes,
    description,
    async read(index: number): Promise<DatasetItem> {
      checkIndex(index, n, description);
      const pixels = images.data.subarray(index * bytes, (index + 1) * bytes);
      const item = { kind: 'pixels' as const, name: `${stem}#${index}`, width, height, channels: channels as 1 | 3, pixels };
      return labels ? { ...item, label: labels.data[index] } : item;
    },
  };
}

function find(dir: string, stem: string): string | undefined {
  return [join(dir, stem), join(dir, `${stem}.gz`)].find((p) => existsSync(p));
}

/**
 * `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]` in `dir` (MNIST's
 * names; Debian's dataset-fashion-mnist at /usr/share/datasets/fashion-mnist/), plus class
 * names from an optional `classes.txt` (one per line).
 */
export async function openIdxDir(dir: string, split = 'train'): Promise<Dataset> {
  const images = find(dir, `${split}-images-idx3-ubyte`);
  if (!images) throw new DatasetError(`${dir} has no ${split}-images-idx3-ubyte[.gz]`);
  const classesFile = join(dir, 'classes.txt');
  const classes = existsSync(classesFile) ? (await readFile(classesFile, 'utf8')).split('\n').filter((l) => l.trim() !== '') : undefined;
  return openIdx({ images, labels: find(dir, `${split}-labels-idx1-ubyte`), classes });
}

/** True when `dir` holds an IDX split of that name. */
export function hasIdxSplit(dir: string, split = 'train'): boolean {
  return find(dir, `${split}-images-idx3-ubyte`) !== undefined;
}
