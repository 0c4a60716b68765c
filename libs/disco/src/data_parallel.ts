/**
 * The data-parallel parts of a step, as PyTorch's DistributedDataParallel and MoCo's DDP code
 * do them, over a `Collective` (c10d through @disco/tensor, or anything with its semantics):
 *
 * - `averageGradients`: every parameter's gradient averaged over the replicas, in buckets of
 *   `BUCKET_FLOATS` (DDP's 25 MiB), before the SGD update — so every replica takes the same step.
 * - `gatherRows`: MoCo's `concat_all_gather` — every replica's keys (or SEED's teacher
 *   embeddings) in rank order, so every queue receives the same rows.
 * - `broadcastBuffers`: DDP's `broadcast_buffers`: BatchNorm running statistics are computed per
 *   replica from its own shard, and rank 0's are copied to all after each step.
 * - `shuffleBnKeys`: MoCo's `_batch_shuffle_ddp` / `_batch_unshuffle_ddp` — the key view shuffled
 *   across replicas, each replica's key encoder normalising a random slice of the global batch.
 * - `stateFingerprint`: a digest of every tensor, to check across ranks that they agree.
 *
 * BatchNorm batch statistics are per replica (each normalises its own shard, as DDP without
 * SyncBatchNorm); the gradient of a per-replica mean loss, averaged, is the gradient of the
 * global mean.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Collective } from '@disco/tensor';
import type { Encoder, NamedTensor } from '@disco/models';
import { inversePermutation } from './rng.ts';
import { l2Normalize } from './ops.ts';

/** DDP's default bucket: 25 MiB of float32. */
export const BUCKET_FLOATS = (25 << 20) / 4;

/** The mean over replicas of each gradient (new tensors; the inputs are disposed), one all-reduce per bucket. */
export function averageGradients(collective: Collective, grads: Map<string, tf.Tensor>, order: readonly string[], bucketFloats = BUCKET_FLOATS): Map<string, tf.Tensor> {
  const names = order.filter((n) => grads.has(n));
  const out = new Map<string, tf.Tensor>();
  let start = 0;
  while (start < names.length) {
    // One bucket: consecutive gradients up to bucketFloats (at least one).
    let end = start;
    let floats = 0;
    while (end < names.length && (end === start || floats + grads.get(names[end])!.size <= bucketFloats)) floats += grads.get(names[end++])!.size;
    const bucket = names.slice(start, end);
    const means = collective.averageTensors(bucket.map((n) => grads.get(n)!));
    bucket.forEach((n, i) => out.set(n, means[i]));
    start = end;
  }
  tf.dispose([...grads.values()]);
  return out;
}

/** [n, D] on each replica → [W·n, D], rank 0's rows first. */
export function gatherRows(collective: Collective, rows: tf.Tensor2D): tf.Tensor2D {
  const [n, d] = rows.shape;
  const all = collective.allgather(rows.dataSync() as Float32Array);
  return tf.tensor2d(all, [collective.worldSize * n, d]);
}

/** Rank 0's values of every buffer (BatchNorm running statistics) on every replica. */
export function broadcastBuffers(collective: Collective, buffers: readonly NamedTensor[]): void {
  if (buffers.length === 0) return;
  const total = buffers.reduce((s, b) => s + b.variable.size, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const b of buffers) {
    flat.set(b.variable.dataSync() as Float32Array, offset);
    offset += b.variable.size;
  }
  const root = collective.broadcast(flat, 0);
  offset = 0;
  tf.tidy(() => {
    for (const b of buffers) {
      b.variable.assign(tf.tensor(root.subarray(offset, offset + b.variable.size), b.variable.shape, b.variable.dtype));
      offset += b.variable.size;
    }
  });
}

/**
 * Keys of the local key view `x` [n, H, W, C] with the batch shuffled across replicas: gather
 * every replica's views, take this rank's slice of the globally shuffled batch (`perm`, a
 * permutation of 0…W·n−1, the same on every rank), encode it (BatchNorm over that slice,
 * running statistics updated), gather the keys, unshuffle, keep this rank's rows: [n, D].
 */
export function shuffleBnKeys(collective: Collective, encoder: Encoder, x: tf.Tensor, perm: Int32Array): tf.Tensor2D {
  const n = x.shape[0];
  const { rank, worldSize } = collective;
  if (perm.length !== n * worldSize) throw new RangeError(`Shuffle-BN (ddp): permutation of ${perm.length}, the global batch is ${n * worldSize}`);
  return tf.tidy(() => {
    const all = tf.tensor(collective.allgather(x.dataSync() as Float32Array), [n * worldSize, ...x.shape.slice(1)], 'float32'); // [W·n, H, W, C]
    const mine = tf.gather(all, tf.tensor1d(perm.subarray(rank * n, (rank + 1) * n), 'int32')); // [n, H, W, C]
    const kShuffled = gatherRows(collective, l2Normalize(encoder.forward(mine, { bn: 'train' }))); // [W·n, D] in shuffled order
    const unshuffle = inversePermutation(perm).subarray(rank * n, (rank + 1) * n);
    return tf.gather(kShuffled, tf.tensor1d(unshuffle, 'int32')) as tf.Tensor2D; // [n, D]
  });
}

/**
 * A digest of `tensors` (FNV-1a over their 32-bit words, and the float64 sum of their values) —
 * equal across replicas exactly when their values are bit-identical (up to a hash collision).
 */
export function stateFingerprint(tensors: readonly tf.Tensor[]): [number, number] {
  let hash = 0x811c9dc5;
  let sum = 0;
  for (const t of tensors) {
    const values = Float32Array.from(t.dataSync() as Float32Array);
    const words = new Uint32Array(values.buffer);
    for (let i = 0; i < words.length; i++) {
      hash = Math.imul(hash ^ words[i], 0x01000193) >>> 0;
      sum += values[i];
    }
  }
  return [hash, sum];
}
