/** What one train step consumes, and its checks (every error names the batch). */
import * as tf from '@tensorflow/tfjs-core';
import { StepInputError } from './errors.ts';
import { assertPermutation } from './rng.ts';

export interface StepInput {
  /** The batch's id, e.g. `run/epoch/step`: named in every error. */
  batchId: string;
  /** 0-based epoch of the lr schedule; its fractional part counts for `cosine-step` only. */
  epoch: number;
  /** Query view x1 (im_q), [N, H, W, C], normalised. */
  x1: tf.Tensor;
  /** Key view x2 (im_k), same shape. */
  x2: tf.Tensor;
  /** Teacher's L2-normalised embedding of x1, [N, D] (all modes but `mocov2`). */
  t1?: tf.Tensor;
  /** Teacher's L2-normalised embedding of x2, [N, D]. */
  t2?: tf.Tensor;
  /** Shuffle-BN permutation (for tests): of 0…n−1, or of the global batch 0…N−1 with `shuffleBn: 'ddp'`; default: drawn from the step RNG. */
  permutation?: ArrayLike<number>;
}

/** Largest |‖t_n‖ − 1| accepted for a teacher embedding (float32 over the wire is ≈1e-7). */
export const UNIT_NORM_TOLERANCE = 1e-3;

export interface InputExpectations {
  batchSize: number;
  /** Length of a given permutation (default batchSize). */
  permutationSize?: number;
  embedDim: number;
  needsTeacher: boolean;
}

/** Throws StepInputError unless the views and teacher embeddings have the expected shapes. */
export function checkStepInput(input: StepInput, want: InputExpectations): void {
  const { batchId, x1, x2 } = input;
  const fail = (reason: string): never => {
    throw new StepInputError(batchId, reason);
  };
  if (x1.rank !== 4) fail(`x1 has shape [${x1.shape}], not [N, H, W, C]`);
  if (!sameShape(x1.shape, x2.shape)) fail(`x2 has shape [${x2.shape}] but x1 has [${x1.shape}]`);
  if (x1.shape[0] !== want.batchSize) fail(`batch of ${x1.shape[0]} views, config batchSize is ${want.batchSize}`);
  if (!Number.isFinite(input.epoch) || input.epoch < 0) fail(`epoch ${input.epoch} must be a finite number ≥ 0`);
  if (input.permutation) {
    try {
      assertPermutation(input.permutation, want.permutationSize ?? want.batchSize, 'permutation');
    } catch (err) {
      fail((err as Error).message);
    }
  }
  if (!want.needsTeacher) return;
  for (const [name, t] of [['t1', input.t1], ['t2', input.t2]] as const) {
    if (!t) fail(`${name} (teacher embeddings) is required by this loss mode`);
    const expected = [want.batchSize, want.embedDim];
    if (!sameShape(t!.shape, expected)) fail(`${name} has shape [${t!.shape}], not [${expected}]`);
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(t!), 1)).dataSync()); // [N]
    const bad = norms.findIndex((v) => !(Math.abs(v - 1) <= UNIT_NORM_TOLERANCE));
    if (bad >= 0) fail(`${name} row ${bad} has norm ${norms[bad]}; teacher embeddings must be L2-normalised`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
