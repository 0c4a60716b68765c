/**
 * MoCo's queue of K L2-normalised keys with its pointer (`queue` / `queue_ptr` of the
 * reference). Stored [K, D] — one key per row, the transpose of the reference's [D, K] — so
 * that an enqueue replaces a contiguous block of rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normal } from '@disco/models';
import { assignRows } from '@disco/tensor';
import { RNG_STREAMS, stepRng } from './rng.ts';

export class KeyQueue {
  /** [K, D] L2-normalised keys. */
  readonly keys: tf.Variable;
  /** Row where the next batch of keys goes. */
  private pointer = 0;

  /** Starts from random unit vectors (the reference's `normalize(randn(dim, K), dim=0)`). */
  constructor(
    readonly K: number,
    readonly D: number,
    seed: number,
  ) {
    const rng = stepRng(seed, 0, RNG_STREAMS.queueInit);
    const init = tf.tidy(() => {
      const g = normal(rng, [K, D], 1); // [K, D]
      return tf.div(g, tf.maximum(tf.norm(g, 2, 1, true), 1e-12)); // [K, D]
    });
    this.keys = tf.variable(init, false);
    init.dispose();
  }

  get ptr(): number {
    return this.pointer;
  }

  /** Sets keys and pointer, e.g. from a teacher's queue (the reference quirk). */
  load(keys: tf.Tensor, ptr: number): void {
    if (keys.shape.length !== 2 || keys.shape[0] !== this.K || keys.shape[1] !== this.D) {
      throw new RangeError(`queue: keys of shape [${keys.shape}] do not fit [K=${this.K}, D=${this.D}]`);
    }
    tf.tidy(() => this.keys.assign(tf.cast(keys, 'float32'))); // [K, D]
    this.setPointer(ptr);
  }

  /** Moves the pointer (restoring a checkpoint whose keys were written directly). */
  setPointer(ptr: number): void {
    if (!Number.isInteger(ptr) || ptr < 0 || ptr >= this.K) throw new RangeError(`queue: pointer ${ptr} is not in 0…${this.K - 1}`);
    this.pointer = ptr;
  }

  /**
   * Replaces the N oldest keys with `batch` and moves the pointer (`_dequeue_and_enqueue`).
   * K must be a multiple of N, so a batch never wraps around the end.
   */
  dequeueAndEnqueue(batch: tf.Tensor): void {
    const [n, d] = batch.shape;
    if (batch.rank !== 2 || d !== this.D) throw new RangeError(`queue: keys of shape [${batch.shape}] are not [N, ${this.D}]`);
    if (this.K % n !== 0) throw new RangeError(`queue: K=${this.K} is not a multiple of the batch size ${n}`);
    const ptr = this.pointer;
    assignRows(this.keys, batch, ptr); // [N, D] into rows ptr… of [K, D], in place where the backend allows
    this.pointer = (ptr + n) % this.K;
  }

  dispose(): void {
    this.keys.dispose();
  }
}
