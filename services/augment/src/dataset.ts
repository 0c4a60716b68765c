/** The worker's dataset: the configured path (auto-detected kind) or the bundled sample. */
import { detectDataset, openDataset, openSampleDataset, type Dataset } from '@disco/augment';
import { observeOp, type AugmentMetrics } from './metrics.ts';

export async function openConfiguredDataset(path: string): Promise<Dataset> {
  return path === '' ? openSampleDataset('train') : openDataset(detectDataset(path));
}

/** Wraps `read` to time it (the `read` op). */
export function timedDataset(dataset: Dataset, metrics: AugmentMetrics): Dataset {
  return {
    length: dataset.length,
    classes: dataset.classes,
    skipped: dataset.skipped,
    description: dataset.description,
    async read(index) {
      const t0 = performance.now();
      try {
        return await dataset.read(index);
      } finally {
        observeOp(metrics, 'read', (performance.now() - t0) / 1000);
      }
    },
  };
}
