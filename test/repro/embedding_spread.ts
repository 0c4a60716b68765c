/**
 * A collapse diagnostic: the mean pairwise cosine similarity of L2-normalised embeddings
 * (1 = every embedding points the same way; InfoNCE then sits at its chance value ln(1+K)).
 * Measured on (a) the key queue stored in each checkpoint — exactly the keys InfoNCE used —
 * and (b) the 128-d head outputs of the teacher, the final student and its key encoder on
 * held-out test images.
 */
import { importCheckpoint, readSafetensors, toFloat32, type Module } from '@disco/models';
import { openIdxDir } from '@disco/augment';
import { batchesFromDataset, extractFeatures } from '@disco/eval';
import { initBackend } from '@disco/tensor';
import { readCheckpointEncoder } from '@disco/trainer-service';

/** Mean cosine over distinct pairs of the rows of `x` [n, d] (rows normalised first). */
export function meanPairwiseCosine(x: Float32Array, n: number, d: number): number {
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += x[i * d + j] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < d; j++) sum[j] += x[i * d + j] * inv;
  }
  const sq = sum.reduce((s, v) => s + v * v, 0); // = n + Σ_{i≠j} cos(i, j)
  return (sq - n) / (n * (n - 1));
}

/** Spread of the key queue of a trainer checkpoint. */
export function queueSpread(checkpoint: string): number {
  const q = readSafetensors(checkpoint).tensors.get('queue');
  if (!q || q.shape.length !== 2) throw new Error(`${checkpoint}: no [K, D] 'queue' tensor`);
  return meanPairwiseCosine(toFloat32(q), q.shape[0], q.shape[1]);
}

export type EmbeddingSource =
  /** One encoder of a trainer checkpoint (its architecture from the checkpoint's config). */
  | { name: string; checkpoint: string; encoder: 'student' | 'key' }
  /** A teacher file (MoCo release format). */
  | { name: string; checkpoint: string; arch: string; width: number };

/**
 * Spread of the head embeddings of each source on the first `n` test images of the IDX folder
 * `data`, BatchNorm in eval mode (running statistics), resized to `size` px.
 */
export async function embeddingSpreads(sources: readonly EmbeddingSource[], data: string, n: number, size: number): Promise<Record<string, number>> {
  await initBackend();
  const test = await openIdxDir(data, 't10k');
  const indices = Array.from({ length: Math.min(n, test.length) }, (_, i) => i);
  const out: Record<string, number> = {};
  for (const s of sources) {
    const enc: Module = 'encoder' in s
      ? (await readCheckpointEncoder(s.checkpoint, s.encoder)).module
      : importCheckpoint(s.checkpoint, { arch: s.arch, width: s.width, target: 'encoder' }).module;
    try {
      const set = await extractFeatures({ features: (x, opts) => enc.forward(x, opts) }, batchesFromDataset(test, { indices }), { size });
      out[s.name] = meanPairwiseCosine(set.features, set.n, set.dim);
    } finally {
      enc.dispose();
    }
  }
  return out;
}
