/** Batch ids `(run, epoch, step)`: validation and the string key used in maps and logs. */
import type { BatchId, BatchId__Output } from '../proto/types.ts';
import { InvalidFieldError } from './errors.ts';

export interface BatchKeyed {
  run: string;
  epoch: number;
  step: number;
}

export const MAX_RUN_LENGTH = 128;
export const MAX_LEASE_ID_LENGTH = 128;

/** `run/epoch/step`, e.g. `demo/3/17`. */
export function batchKey(id: BatchKeyed): string {
  return `${id.run}/${id.epoch}/${id.step}`;
}

/** A received batch id, checked (`field` is the message field holding it). */
export function checkBatchId(id: BatchId__Output | null | undefined, field = 'batch'): BatchKeyed {
  if (!id) throw new InvalidFieldError(field, 'missing');
  if (id.run === '') throw new InvalidFieldError(`${field}.run`, 'empty');
  if (id.run.length > MAX_RUN_LENGTH) throw new InvalidFieldError(`${field}.run`, `longer than ${MAX_RUN_LENGTH} characters`);
  return { run: id.run, epoch: id.epoch, step: id.step };
}

export function checkLeaseId(leaseId: string, field = 'lease_id'): string {
  if (leaseId.length > MAX_LEASE_ID_LENGTH) throw new InvalidFieldError(field, `longer than ${MAX_LEASE_ID_LENGTH} characters`);
  return leaseId;
}

export function toWireBatchId(id: BatchKeyed): BatchId {
  return { run: id.run, epoch: id.epoch, step: id.step };
}
