import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AugmentClient as _disco_v1_AugmentClient, AugmentDefinition as _disco_v1_AugmentDefinition } from './disco/v1/Augment.ts';
import type { AugmentInfo as _disco_v1_AugmentInfo, AugmentInfo__Output as _disco_v1_AugmentInfo__Output } from './disco/v1/AugmentInfo.ts';
import type { AugmentInfoRequest as _disco_v1_AugmentInfoRequest, AugmentInfoRequest__Output as _disco_v1_AugmentInfoRequest__Output } from './disco/v1/AugmentInfoRequest.ts';
import type { AugmentParams as _disco_v1_AugmentParams, AugmentParams__Output as _disco_v1_AugmentParams__Output } from './disco/v1/AugmentParams.ts';
import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from './disco/v1/BatchId.ts';
import type { BatchSpec as _disco_v1_BatchSpec, BatchSpec__Output as _disco_v1_BatchSpec__Output } from './disco/v1/BatchSpec.ts';
import type { EmbeddingChunk as _disco_v1_EmbeddingChunk, EmbeddingChunk__Output as _disco_v1_EmbeddingChunk__Output } from './disco/v1/EmbeddingChunk.ts';
import type { RejectedImage as _disco_v1_RejectedImage, RejectedImage__Output as _disco_v1_RejectedImage__Output } from './disco/v1/RejectedImage.ts';
import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from './disco/v1/ViewChunk.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  disco: {
    v1: {
      Augment: SubtypeConstructor<typeof grpc.Client, _disco_v1_AugmentClient> & { service: _disco_v1_AugmentDefinition }
      AugmentInfo: MessageTypeDefinition<_disco_v1_AugmentInfo, _disco_v1_AugmentInfo__Output>
      AugmentInfoRequest: MessageTypeDefinition<_disco_v1_AugmentInfoRequest, _disco_v1_AugmentInfoRequest__Output>
      AugmentParams: MessageTypeDefinition<_disco_v1_AugmentParams, _disco_v1_AugmentParams__Output>
      BatchId: MessageTypeDefinition<_disco_v1_BatchId, _disco_v1_BatchId__Output>
      BatchSpec: MessageTypeDefinition<_disco_v1_BatchSpec, _disco_v1_BatchSpec__Output>
      DType: EnumTypeDefinition
      EmbeddingChunk: MessageTypeDefinition<_disco_v1_EmbeddingChunk, _disco_v1_EmbeddingChunk__Output>
      RejectedImage: MessageTypeDefinition<_disco_v1_RejectedImage, _disco_v1_RejectedImage__Output>
      ViewChunk: MessageTypeDefinition<_disco_v1_ViewChunk, _disco_v1_ViewChunk__Output>
    }
  }
}

