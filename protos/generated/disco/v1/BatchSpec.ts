// Original file: protos/disco/v1/batch.proto

import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from '../../disco/v1/BatchId.ts';
import type { AugmentParams as _disco_v1_AugmentParams, AugmentParams__Output as _disco_v1_AugmentParams__Output } from '../../disco/v1/AugmentParams.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * What a worker augments: the images of one batch, in batch order, at `size`×`size`.
 * Views are a pure function of (run_seed, id.epoch, index, view, params), so any worker
 * re-creates any batch bit for bit.
 */
export interface BatchSpec {
  'id'?: (_disco_v1_BatchId | null);
  /**
   * dataset indices, batch order; 1..max_batch_size entries
   */
  'indices'?: (number)[];
  'runSeed'?: (number);
  /**
   * output side in px
   */
  'size'?: (number);
  /**
   * optional: absent = the worker's configured parameters
   */
  'params'?: (_disco_v1_AugmentParams | null);
  /**
   * empty on direct Augment calls
   */
  'leaseId'?: (string);
  /**
   * deliver before this or the batch is re-leased; 0 = none
   */
  'leaseDeadlineUnixMs'?: (number | string | Long);
  /**
   * length of the dataset the plan was cut from; 0 = unchecked
   */
  'datasetSize'?: (number);
}

/**
 * What a worker augments: the images of one batch, in batch order, at `size`×`size`.
 * Views are a pure function of (run_seed, id.epoch, index, view, params), so any worker
 * re-creates any batch bit for bit.
 */
export interface BatchSpec__Output {
  'id': (_disco_v1_BatchId__Output | null);
  /**
   * dataset indices, batch order; 1..max_batch_size entries
   */
  'indices': (number)[];
  'runSeed': (number);
  /**
   * output side in px
   */
  'size': (number);
  /**
   * optional: absent = the worker's configured parameters
   */
  'params': (_disco_v1_AugmentParams__Output | null);
  /**
   * empty on direct Augment calls
   */
  'leaseId': (string);
  /**
   * deliver before this or the batch is re-leased; 0 = none
   */
  'leaseDeadlineUnixMs': (number);
  /**
   * length of the dataset the plan was cut from; 0 = unchecked
   */
  'datasetSize': (number);
}
