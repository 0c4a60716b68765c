/** Reads one dataset file; a failure is that image's rejection ('unreadable'), not the worker's. */
import { readFile } from 'node:fs/promises';
import { ImageRejectedError } from '../errors.ts';

export async function readImageFile(path: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ImageRejectedError(name, 'unreadable', `${code}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function checkIndex(index: number, length: number, description: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`index ${index} is outside ${description} [0, ${length})`);
  }
}
