/**
 * A joined batch (uint8 views + float32 teacher embeddings from the wire) → the tensors one
 * train step consumes: views normalised with ImageNet's mean/std (the consumer normalises,
 * DESIGN §2), embeddings as [N, D]. Checked against the run's config first; errors name the batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JoinedBatch } from '@disco/dataplane';
import { toModelInput } from '@disco/eval';
import type { StepInput } from '@disco/disco';

export interface BatchExpectations {
  batchSize: number;
  size: number;
  /** Teacher embedding size, or 0 when the run has no teacher. */
  embedDim: number;
}

export class BatchMismatchError extends Error {
  override name = 'BatchMismatchError';
  constructor(readonly batch: string, reason: string) {
    super(`batch ${batch}: ${reason}`);
  }
}

export function checkJoinedBatch(batch: JoinedBatch, want: BatchExpectations): void {
  const fail = (reason: string): never => {
    throw new BatchMismatchError(batch.key, reason);
  };
  if (batch.batchSize !== want.batchSize) fail(`${batch.batchSize} images, the plan has ${want.batchSize}`);
  if (batch.height !== want.size || batch.width !== want.size) fail(`views are ${batch.height}×${batch.width}, trainer.size is ${want.size}`);
  if (want.embedDim > 0 && batch.dim !== want.embedDim) {
    fail(`the teacher embeds in ${batch.dim} dimensions but the student head outputs ${want.embedDim} (algo.embed-dim and teacher.embed-dim must agree)`);
  }
}

/** Tensors of one step; the caller disposes them with `disposeStepInput`. */
export function toStepInput(batch: JoinedBatch, epoch: number, withTeacher: boolean): StepInput {
  const shape = [batch.batchSize, batch.height, batch.width, 3] as const;
  const x1 = toModelInput(batch.views[0], shape); // [N, H, W, 3]
  const x2 = toModelInput(batch.views[1], shape); // [N, H, W, 3]
  if (!withTeacher) return { batchId: batch.key, epoch, x1, x2 };
  const t1 = tf.tensor2d(batch.embeddings[0], [batch.batchSize, batch.dim]); // [N, D]
  const t2 = tf.tensor2d(batch.embeddings[1], [batch.batchSize, batch.dim]); // [N, D]
  return { batchId: batch.key, epoch, x1, x2, t1, t2 };
}

export function disposeStepInput(input: StepInput): void {
  tf.dispose([input.x1, input.x2, ...(input.t1 ? [input.t1] : []), ...(input.t2 ? [input.t2] : [])]);
}
