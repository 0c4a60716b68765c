/**
 * torchvision's ImageFolder: root/<class>/<any sub-folders>/<image>; classes are the sorted sub-folder
 * names, labels their positions; images are files with an image extension (case-insensitive),
 * sorted by path within each class. Files are read when an item is read.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, extname } from 'node:path';
import { DatasetError } from '../errors.ts';
import type { Dataset, DatasetItem } from './dataset.ts';
import { checkIndex, readImageFile } from './read-file.ts';

/** torchvision's IMG_EXTENSIONS. Content decides the decoder; a wrong extension still decodes. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // Python's sorted() on str
}

async function listImages(dir: string, extensions: ReadonlySet<string>): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDir) out.push(...(await listImages(path, extensions)));
    else if (extensions.has(extname(e.name).toLowerCase())) out.push(path);
  }
  return out;
}

export interface ImageFolderOptions {
  readonly extensions?: readonly string[];
}

export async function openImageFolder(root: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const extensions = new Set((options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    throw new DatasetError(`image folder ${root} cannot be listed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) throw new DatasetError(`image folder ${root} has no class sub-folders`);
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classes.entries()) {
    for (const f of await listImages(join(root, name), extensions)) {
      files.push(f);
      labels.push(label);
    }
  }
  if (files.length === 0) throw new DatasetError(`image folder ${root} has no images (${[...extensions].join(' ')})`);
  const description = `image folder ${root} (${files.length} images, ${classes.length} classes)`;
  return {
    length: files.length,
    classes,
    description,
    async read(index: number): Promise<DatasetItem> {
      checkIndex(index, files.length, description);
      const name = relative(root, files[index]);
      return { kind: 'encoded', name, bytes: await readImageFile(files[index], name), label: labels[index] };
    },
  };
}
