// Original file: protos/disco/v1/batch.proto

import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from '../../disco/v1/BatchId.ts';
import type { DType as _disco_v1_DType, DType__Output as _disco_v1_DType__Output } from '../../disco/v1/DType.ts';
import type { RejectedImage as _disco_v1_RejectedImage, RejectedImage__Output as _disco_v1_RejectedImage__Output } from '../../disco/v1/RejectedImage.ts';

/**
 * Pixels of images [offset, offset + shape[0]) of one view of one batch.
 */
export interface ViewChunk {
  'batch'?: (_disco_v1_BatchId | null);
  'leaseId'?: (string);
  /**
   * 1 or 2
   */
  'view'?: (number);
  /**
   * images in the whole batch
   */
  'batchSize'?: (number);
  /**
   * batch position of this chunk's first image
   */
  'offset'?: (number);
  /**
   * [n, height, width, 3]
   */
  'shape'?: (number)[];
  /**
   * DTYPE_UINT8
   */
  'dtype'?: (_disco_v1_DType);
  /**
   * n·height·width·3 bytes, NHWC
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * rejects among this chunk's images (view 1 chunks only)
   */
  'rejected'?: (_disco_v1_RejectedImage)[];
}

/**
 * Pixels of images [offset, offset + shape[0]) of one view of one batch.
 */
export interface ViewChunk__Output {
  'batch': (_disco_v1_BatchId__Output | null);
  'leaseId': (string);
  /**
   * 1 or 2
   */
  'view': (number);
  /**
   * images in the whole batch
   */
  'batchSize': (number);
  /**
   * batch position of this chunk's first image
   */
  'offset': (number);
  /**
   * [n, height, width, 3]
   */
  'shape': (number)[];
  /**
   * DTYPE_UINT8
   */
  'dtype': (_disco_v1_DType__Output);
  /**
   * n·height·width·3 bytes, NHWC
   */
  'data': (Buffer);
  /**
   * rejects among this chunk's images (view 1 chunks only)
   */
  'rejected': (_disco_v1_RejectedImage__Output)[];
}
