/**
 * One entry point for every reader, by explicit kind or by looking at a path, and the sample
 * dataset bundled in the repository (test/fixtures/sample: Fashion-MNIST, MIT licence).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '../errors.ts';
import type { Dataset } from './dataset.ts';
import { hasIdxSplit, openIdx, openIdxDir } from './idx.ts';
import { openImageFolder } from './image-folder.ts';
import { openManifest } from './manifest.ts';

export type DatasetSpec =
  | { readonly kind: 'image-folder'; readonly root: string }
  | { readonly kind: 'manifest'; readonly path: string }
  | { readonly kind: 'idx'; readonly dir: string; readonly split?: string }
  | { readonly kind: 'idx-files'; readonly images: string; readonly labels?: string };

export function openDataset(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.kind) {
    case 'image-folder':
      return openImageFolder(spec.root);
    case 'manifest':
      return openManifest(spec.path);
    case 'idx':
      return openIdxDir(spec.dir, spec.split);
    case 'idx-files':
      return openIdx(spec);
  }
}

/** A `.jsonl` file is a manifest; a folder with an IDX split is IDX; any other folder an ImageFolder. */
export function detectDataset(path: string, split = 'train'): DatasetSpec {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new DatasetError(`dataset path ${path} does not exist`);
  }
  if (!isDir) {
    if (path.endsWith('.jsonl')) return { kind: 'manifest', path };
    throw new DatasetError(`dataset path ${path} is a file but not a .jsonl manifest`);
  }
  return hasIdxSplit(path, split) ? { kind: 'idx', dir: path, split } : { kind: 'image-folder', root: path };
}

/** The bundled sample: 2,000 Fashion-MNIST training images (200 per class) and 500 test images. */
export const SAMPLE_DATASET_DIR = fileURLToPath(new URL('../../../../test/fixtures/sample/', import.meta.url));

export function openSampleDataset(split: 'train' | 't10k' = 'train'): Promise<Dataset> {
  return openIdxDir(SAMPLE_DATASET_DIR, split);
}
