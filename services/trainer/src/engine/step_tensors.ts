/**
 * An engine batch (uint8 views + float32 teacher embeddings) → the tensors one train step
 * consumes: views normalised with ImageNet's mean/std (the wire carries uint8 pixels, a
 * quarter of the bytes of float32; whoever runs a model normalises), embeddings as [N, D].
 */
import * as tf from '@tensorflow/tfjs-core';
import { toModelInput } from '@disco/models';
import type { StepInput } from '@disco/disco';
import type { EngineBatch } from './protocol.ts';

/** Tensors of one step; the caller disposes them with `disposeStepInput`. */
export function toStepInput(batch: EngineBatch, epoch: number): StepInput {
  const shape = [batch.batchSize, batch.height, batch.width, 3] as const;
  const x1 = toModelInput(batch.views[0], shape); // [N, H, W, 3]
  const x2 = toModelInput(batch.views[1], shape); // [N, H, W, 3]
  if (!batch.embeddings) return { batchId: batch.key, epoch, x1, x2 };
  const t1 = tf.tensor2d(batch.embeddings[0], [batch.batchSize, batch.dim]); // [N, D]
  const t2 = tf.tensor2d(batch.embeddings[1], [batch.batchSize, batch.dim]); // [N, D]
  return { batchId: batch.key, epoch, x1, x2, t1, t2 };
}

export function disposeStepInput(input: StepInput): void {
  tf.dispose([input.x1, input.x2, ...(input.t1 ? [input.t1] : []), ...(input.t2 ? [input.t2] : [])]);
}
