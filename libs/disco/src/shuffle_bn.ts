/**
 * Single-device substitute for MoCo's Shuffle-BN (`_batch_shuffle_ddp` / `_batch_unshuffle_ddp`).
 *
 * The reference shuffles the key batch across 8 GPUs, so each key's BatchNorm statistics come
 * from a random 32 of the batch, never from the group its query was normalised with (which
 * would let the model cheat through batch statistics). Here: permute the batch, run the key
 * encoder on consecutive ghost batches of `ghostBatchSize` (statistics per ghost batch), then
 * undo the permutation. Running statistics are updated from ghost batch 0 only: under
 * DistributedDataParallel each GPU updates its own copy and rank 0's is broadcast at the next
 * forward (and checkpointed), i.e. the statistics of the first shuffled chunk win.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@disco/models';
import { inversePermutation } from './rng.ts';
import { l2Normalize } from './ops.ts';

/** x [N, H, W, C] → L2-normalised embeddings [N, D] in the original order. */
export function shuffledGhostForward(encoder: Encoder, x: tf.Tensor, perm: Int32Array, ghostBatchSize: number): tf.Tensor2D {
  const n = x.shape[0];
  const size = Math.min(ghostBatchSize, n);
  if (n % size !== 0) throw new RangeError(`Shuffle-BN: batch of ${n} is not a multiple of ghostBatchSize=${ghostBatchSize}`);
  return tf.tidy(() => {
    const shuffled = tf.gather(x, tf.tensor1d(perm, 'int32')); // [N, H, W, C]
    const ghosts = tf.split(shuffled, n / size, 0); // G × [N/G, H, W, C]
    const outs = ghosts.map((g, i) => encoder.forward(g, { bn: i === 0 ? 'train' : 'batch' })); // G × [N/G, D]
    const k = l2Normalize(outs.length === 1 ? outs[0] : tf.concat(outs, 0)); // [N, D] shuffled order
    return tf.gather(k, tf.tensor1d(inversePermutation(perm), 'int32')) as tf.Tensor2D; // [N, D]
  });
}
