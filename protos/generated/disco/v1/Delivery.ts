// Original file: protos/disco/v1/coordinator.proto

import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from '../../disco/v1/ViewChunk.ts';
import type { EmbeddingChunk as _disco_v1_EmbeddingChunk, EmbeddingChunk__Output as _disco_v1_EmbeddingChunk__Output } from '../../disco/v1/EmbeddingChunk.ts';

/**
 * One message of a Deliver call: a chunk of views (from the worker) or of embeddings
 * (the teacher's, relayed by the worker). All messages of a call carry the same batch id.
 */
export interface Delivery {
  'views'?: (_disco_v1_ViewChunk | null);
  'embeddings'?: (_disco_v1_EmbeddingChunk | null);
  'kind'?: "views"|"embeddings";
}

/**
 * One message of a Deliver call: a chunk of views (from the worker) or of embeddings
 * (the teacher's, relayed by the worker). All messages of a call carry the same batch id.
 */
export interface Delivery__Output {
  'views'?: (_disco_v1_ViewChunk__Output | null);
  'embeddings'?: (_disco_v1_EmbeddingChunk__Output | null);
  'kind'?: "views"|"embeddings";
}
