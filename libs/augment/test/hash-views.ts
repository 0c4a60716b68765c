/**
 * Child process of determinism.test.ts: augments a batch from the dataset at argv[2] (an image
 * folder) and argv[3] = "sample" for the bundled IDX sample too, prints the views' SHA-256.
 */
import { createHash } from 'node:crypto';
import { augmentBatch, openImageFolder, openSampleDataset } from '@disco/augment';

export async function hashViews(folder: string): Promise<string> {
  const h = createHash('sha256');
  const datasets = [await openImageFolder(folder), await openSampleDataset()];
  for (const ds of datasets) {
    for (const size of [224, 32, 17]) {
      const indices = Array.from({ length: Math.min(ds.length, 12) }, (_, i) => (i * 7) % ds.length);
      const b = await augmentBatch(ds, { runSeed: 2 ** 40 + 5, epoch: 3, indices, size });
      h.update(b.views1).update(b.views2).update(new Uint8Array(b.indices.buffer));
    }
  }
  return h.digest('hex');
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  process.stdout.write(await hashViews(process.argv[2]));
}
