// Original file: protos/disco/v1/batch.proto

import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from '../../disco/v1/BatchId.ts';
import type { DType as _disco_v1_DType, DType__Output as _disco_v1_DType__Output } from '../../disco/v1/DType.ts';

/**
 * Teacher embeddings of images [offset, offset + shape[0]) of one view of one batch,
 * L2-normalised.
 */
export interface EmbeddingChunk {
  'batch'?: (_disco_v1_BatchId | null);
  'leaseId'?: (string);
  /**
   * 1 or 2
   */
  'view'?: (number);
  'batchSize'?: (number);
  'offset'?: (number);
  /**
   * [n, dim]
   */
  'shape'?: (number)[];
  /**
   * DTYPE_FLOAT32
   */
  'dtype'?: (_disco_v1_DType);
  /**
   * n·dim·4 bytes
   */
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * Teacher embeddings of images [offset, offset + shape[0]) of one view of one batch,
 * L2-normalised.
 */
export interface EmbeddingChunk__Output {
  'batch': (_disco_v1_BatchId__Output | null);
  'leaseId': (string);
  /**
   * 1 or 2
   */
  'view': (number);
  'batchSize': (number);
  'offset': (number);
  /**
   * [n, dim]
   */
  'shape': (number)[];
  /**
   * DTYPE_FLOAT32
   */
  'dtype': (_disco_v1_DType__Output);
  /**
   * n·dim·4 bytes
   */
  'data': (Buffer);
}
