// Original file: protos/disco/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

// Original file: protos/disco/v1/coordinator.proto

export const _disco_v1_StatusReply_State = {
  STATE_UNSPECIFIED: 'STATE_UNSPECIFIED',
  STARTING: 'STARTING',
  TRAINING: 'TRAINING',
  STOPPING: 'STOPPING',
  DONE: 'DONE',
  FAILED: 'FAILED',
} as const;

export type _disco_v1_StatusReply_State =
  | 'STATE_UNSPECIFIED'
  | 0
  | 'STARTING'
  | 1
  | 'TRAINING'
  | 2
  | 'STOPPING'
  | 3
  | 'DONE'
  | 4
  | 'FAILED'
  | 5

export type _disco_v1_StatusReply_State__Output = typeof _disco_v1_StatusReply_State[keyof typeof _disco_v1_StatusReply_State]

export interface StatusReply {
  'run'?: (string);
  'state'?: (_disco_v1_StatusReply_State);
  /**
   * current epoch (0-based)
   */
  'epoch'?: (number);
  /**
   * planned epochs
   */
  'epochs'?: (number);
  /**
   * next step to train in the epoch
   */
  'step'?: (number);
  'stepsPerEpoch'?: (number);
  /**
   * steps trained since the run began
   */
  'globalStep'?: (number | string | Long);
  'imagesPerSecond'?: (number | string);
  /**
   * leased or joined, not yet trained
   */
  'batchesInFlight'?: (number);
  /**
   * leases that expired or whose worker left, re-leased
   */
  'batchesReleased'?: (number | string | Long);
  /**
   * last step's loss terms by name
   */
  'losses'?: ({[key: string]: number | string});
  'lr'?: (number | string);
  /**
   * augment workers holding a lease stream
   */
  'workers'?: (number);
  /**
   * why, when FAILED
   */
  'message'?: (string);
  /**
   * latest online kNN accuracy (fraction), when knn_epoch > 0
   */
  'knnTop1'?: (number | string);
  'knnTop5'?: (number | string);
  /**
   * epochs trained when it was measured (0 = not yet)
   */
  'knnEpoch'?: (number);
}

export interface StatusReply__Output {
  'run': (string);
  'state': (_disco_v1_StatusReply_State__Output);
  /**
   * current epoch (0-based)
   */
  'epoch': (number);
  /**
   * planned epochs
   */
  'epochs': (number);
  /**
   * next step to train in the epoch
   */
  'step': (number);
  'stepsPerEpoch': (number);
  /**
   * steps trained since the run began
   */
  'globalStep': (number);
  'imagesPerSecond': (number);
  /**
   * leased or joined, not yet trained
   */
  'batchesInFlight': (number);
  /**
   * leases that expired or whose worker left, re-leased
   */
  'batchesReleased': (number);
  /**
   * last step's loss terms by name
   */
  'losses': ({[key: string]: number});
  'lr': (number);
  /**
   * augment workers holding a lease stream
   */
  'workers': (number);
  /**
   * why, when FAILED
   */
  'message': (string);
  /**
   * latest online kNN accuracy (fraction), when knn_epoch > 0
   */
  'knnTop1': (number);
  'knnTop5': (number);
  /**
   * epochs trained when it was measured (0 = not yet)
   */
  'knnEpoch': (number);
}
