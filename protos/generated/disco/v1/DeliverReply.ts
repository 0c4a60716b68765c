// Original file: protos/disco/v1/coordinator.proto

import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from '../../disco/v1/BatchId.ts';

// Original file: protos/disco/v1/coordinator.proto

export const _disco_v1_DeliverReply_Outcome = {
  OUTCOME_UNSPECIFIED: 'OUTCOME_UNSPECIFIED',
  /**
   * the batch is complete and joined
   */
  ACCEPTED: 'ACCEPTED',
  /**
   * another delivery of this batch completed first; this one was dropped
   */
  DUPLICATE: 'DUPLICATE',
  /**
   * the lease is no longer valid (expired and re-leased, or the epoch is past)
   */
  STALE: 'STALE',
} as const;

export type _disco_v1_DeliverReply_Outcome =
  | 'OUTCOME_UNSPECIFIED'
  | 0
  /**
   * the batch is complete and joined
   */
  | 'ACCEPTED'
  | 1
  /**
   * another delivery of this batch completed first; this one was dropped
   */
  | 'DUPLICATE'
  | 2
  /**
   * the lease is no longer valid (expired and re-leased, or the epoch is past)
   */
  | 'STALE'
  | 3

export type _disco_v1_DeliverReply_Outcome__Output = typeof _disco_v1_DeliverReply_Outcome[keyof typeof _disco_v1_DeliverReply_Outcome]

export interface DeliverReply {
  'batch'?: (_disco_v1_BatchId | null);
  'outcome'?: (_disco_v1_DeliverReply_Outcome);
}

export interface DeliverReply__Output {
  'batch': (_disco_v1_BatchId__Output | null);
  'outcome': (_disco_v1_DeliverReply_Outcome__Output);
}
