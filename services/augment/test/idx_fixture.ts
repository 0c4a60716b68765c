/** A tiny IDX dataset written by the test itself: `n` grey images of `side`² px, distinct content. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IdxFixture {
  dir: string;
  remove(): void;
}

export function writeIdxDataset(n: number, side: number): IdxFixture {
  const dir = mkdtempSync(join(tmpdir(), 'disco-idx-'));
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(n, 4);
  header.writeUInt32BE(side, 8);
  header.writeUInt32BE(side, 12);
  const pixels = Buffer.alloc(n * side * side);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < side * side; p++) pixels[i * side * side + p] = (i * 37 + p * (i + 3) + ((p * p) >> 2)) & 255;
  }
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header, pixels]));
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) labels[8 + i] = i % 10;
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
