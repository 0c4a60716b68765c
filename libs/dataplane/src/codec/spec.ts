/** Batch specs: validation on receipt (workers) and the lease fields the trainer fills in. */
import type { AugmentParams__Output, BatchSpec__Output } from '../proto/types.ts';
import { batchKey, checkBatchId, checkLeaseId, type BatchKeyed } from './batch_id.ts';
import { InvalidFieldError, LimitExceededError, PreconditionError } from './errors.ts';
import type { WireLimits } from './limits.ts';

export interface CheckedSpec {
  id: BatchKeyed;
  key: string;
  indices: number[];
  runSeed: number;
  size: number;
  params: AugmentParams__Output | null;
  leaseId: string;
  /** Unix ms; 0 = no deadline. */
  leaseDeadline: number;
}

/**
 * Validates a received spec. `datasetSize` is the receiver's dataset length: every index must be
 * below it, and a spec cut from a dataset of another length is refused (FAILED_PRECONDITION).
 */
export function checkBatchSpec(spec: BatchSpec__Output, limits: WireLimits, datasetSize: number): CheckedSpec {
  const id = checkBatchId(spec.id, 'id');
  const leaseId = checkLeaseId(spec.leaseId);
  if (spec.indices.length === 0) throw new InvalidFieldError('indices', 'empty');
  if (spec.indices.length > limits.maxBatchSize) {
    throw new LimitExceededError('indices', spec.indices.length, limits.maxBatchSize, 'batch size limit');
  }
  if (spec.size < 1) throw new InvalidFieldError('size', 'must be at least 1');
  if (spec.size > limits.maxSide) throw new LimitExceededError('size', spec.size, limits.maxSide, 'side limit (px)');
  if (spec.datasetSize !== 0 && spec.datasetSize !== datasetSize) {
    throw new PreconditionError('dataset_size', `the plan was cut from ${spec.datasetSize} images but this worker's dataset has ${datasetSize}`);
  }
  spec.indices.forEach((index, i) => {
    if (index >= datasetSize) throw new InvalidFieldError(`indices[${i}]`, `${index} is past the dataset's ${datasetSize} images`);
  });
  if (spec.leaseDeadlineUnixMs < 0) throw new InvalidFieldError('lease_deadline_unix_ms', 'negative');
  return {
    id,
    key: batchKey(id),
    indices: spec.indices,
    runSeed: spec.runSeed,
    size: spec.size,
    params: spec.params,
    leaseId,
    leaseDeadline: spec.leaseDeadlineUnixMs,
  };
}
