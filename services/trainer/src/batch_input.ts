/**
 * A joined batch from the wire, checked against the run's config before the engine sees it;
 * errors name the batch.
 */
import type { JoinedBatch } from '@disco/dataplane';
import type { EngineBatch } from './engine/protocol.ts';

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

/** What crosses to the engine thread: the views' and embeddings' buffers are transferred (moved, not copied) with the step request. */
export function toEngineBatch(batch: JoinedBatch, withTeacher: boolean): EngineBatch {
  return {
    key: batch.key,
    batchSize: batch.batchSize,
    height: batch.height,
    width: batch.width,
    dim: withTeacher ? batch.dim : 0,
    views: [batch.views[0], batch.views[1]],
    ...(withTeacher ? { embeddings: [batch.embeddings[0], batch.embeddings[1]] as [Float32Array, Float32Array] } : {}),
  };
}
