/** Small things the hostile-input and TLS tests start real roles with. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: roles are started by path (libs never import services). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A folder with a tiny IDX image file of `n` grey `side`² images (an augment worker's dataset). */
export function writeIdxImages(n: number, side: number): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'disco-hostile-idx-'));
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  header.writeUInt32BE(n, 4);
  header.writeUInt32BE(side, 8);
  header.writeUInt32BE(side, 12);
  const pixels = Buffer.alloc(n * side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 29 + (i >> 4)) & 255;
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header, pixels]));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
