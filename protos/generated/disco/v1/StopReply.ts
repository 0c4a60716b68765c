// Original file: protos/disco/v1/coordinator.proto

import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from '../../disco/v1/BatchId.ts';

export interface StopReply {
  'lastTrained'?: (_disco_v1_BatchId | null);
  /**
   * path written, if any
   */
  'checkpoint'?: (string);
}

export interface StopReply__Output {
  'lastTrained': (_disco_v1_BatchId__Output | null);
  /**
   * path written, if any
   */
  'checkpoint': (string);
}
