/**
 * torchvision's ImageFolder: root/<class>/<any sub-folders>/<image>; classes are the sorted sub-folder
 * names, labels their positions; images are files with an image extension (case-insensitive),
 * sorted by path within each class. Files are read when an item is read.
 *
 * Real folders are messy: the walk follows symbolic links (as torchvision's does) but never into
 * a folder it has already walked for the same class (a link loop), skips folders it cannot read, dangling links and files that
 * are not images — each counted by reason in `skipped` (logged and exported as a metric by the
 * roles), never an error.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, extname } from 'node:path';
import { DatasetError } from '../errors.ts';
import { SKIPPED_ENTRIES, type Dataset, type DatasetItem, type SkippedEntry } from './dataset.ts';
import { checkIndex, readImageFile } from './read-file.ts';

/** torchvision's IMG_EXTENSIONS. Content decides the decoder; a wrong extension still decodes. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // Python's sorted() on str
}

interface Walk {
  extensions: ReadonlySet<string>;
  /** Real paths of the folders walked so far in this class (a folder reached again is a link loop). */
  visited: Set<string>;
  skipped: Partial<Record<SkippedEntry, number>>;
}

const skip = (walk: Walk, why: SkippedEntry) => (walk.skipped[why] = (walk.skipped[why] ?? 0) + 1);

async function listImages(dir: string, walk: Walk): Promise<string[]> {
  let real: string;
  let entries;
  try {
    real = await realpath(dir);
    if (walk.visited.has(real)) {
      skip(walk, 'symlink-loop');
      return [];
    }
    walk.visited.add(real);
    entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name));
  } catch (err) {
    skip(walk, (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink-loop' : 'unreadable-folder');
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        isDir = (await stat(path)).isDirectory();
      } catch (err) {
        skip(walk, (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink-loop' : 'broken-link');
        continue;
      }
    }
    if (isDir) out.push(...(await listImages(path, walk)));
    else if (walk.extensions.has(extname(e.name).toLowerCase())) out.push(path);
    else skip(walk, 'not-an-image');
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
  const walk: Walk = { extensions, visited: new Set(), skipped: {} };
  const rootReal = await realpath(root);
  for (const [label, name] of classes.entries()) {
    // Per class, as torchvision: a link to another class's folder lists its images under this class too.
    walk.visited = new Set([rootReal]);
    for (const f of await listImages(join(root, name), walk)) {
      files.push(f);
      labels.push(label);
    }
  }
  if (files.length === 0) throw new DatasetError(`image folder ${root} has no images (${[...extensions].join(' ')})`);
  const skippedText = SKIPPED_ENTRIES.filter((why) => walk.skipped[why]).map((why) => `${walk.skipped[why]} ${why}`).join(', ');
  const description = `image folder ${root} (${files.length} images, ${classes.length} classes${skippedText ? `; skipped ${skippedText}` : ''})`;
  return {
    length: files.length,
    classes,
    skipped: Object.freeze({ ...walk.skipped }),
    description,
    async read(index: number): Promise<DatasetItem> {
      checkIndex(index, files.length, description);
      const name = relative(root, files[index]);
      return { kind: 'encoded', name, bytes: await readImageFile(files[index], name), label: labels[index] };
    },
  };
}
