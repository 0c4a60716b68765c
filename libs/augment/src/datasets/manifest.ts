/**
 * A JSONL manifest: one `{"path": "...", "label": 3}` per line (label optional, a
 * non-negative integer); relative paths are relative to the manifest's folder. Blank lines
 * are skipped; any other malformed line fails the whole manifest with its line number.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DatasetError } from '../errors.ts';
import type { Dataset, DatasetItem } from './dataset.ts';
import { checkIndex, readImageFile } from './read-file.ts';

const lineSchema = z.object({ path: z.string().min(1), label: z.number().int().min(0).optional() });

export async function openManifest(manifestPath: string): Promise<Dataset> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new DatasetError(`manifest ${manifestPath} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const base = dirname(manifestPath);
  const items: { path: string; name: string; label?: number }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new DatasetError(`manifest ${manifestPath} line ${i + 1}: not JSON`);
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DatasetError(`manifest ${manifestPath} line ${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    items.push({ path: resolve(base, parsed.data.path), name: parsed.data.path, label: parsed.data.label });
  }
  if (items.length === 0) throw new DatasetError(`manifest ${manifestPath} lists no images`);
  const description = `manifest ${manifestPath} (${items.length} images)`;
  return {
    length: items.length,
    description,
    async read(index: number): Promise<DatasetItem> {
      checkIndex(index, items.length, description);
      const { path, name, label } = items[index];
      const bytes = await readImageFile(path, name);
      return label === undefined ? { kind: 'encoded', name, bytes } : { kind: 'encoded', name, bytes, label };
    },
  };
}
