import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AugmentParams as _disco_v1_AugmentParams, AugmentParams__Output as _disco_v1_AugmentParams__Output } from './disco/v1/AugmentParams.ts';
import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from './disco/v1/BatchId.ts';
import type { BatchSpec as _disco_v1_BatchSpec, BatchSpec__Output as _disco_v1_BatchSpec__Output } from './disco/v1/BatchSpec.ts';
import type { EmbeddingChunk as _disco_v1_EmbeddingChunk, EmbeddingChunk__Output as _disco_v1_EmbeddingChunk__Output } from './disco/v1/EmbeddingChunk.ts';
import type { RejectedImage as _disco_v1_RejectedImage, RejectedImage__Output as _disco_v1_RejectedImage__Output } from './disco/v1/RejectedImage.ts';
import type { TeacherClient as _disco_v1_TeacherClient, TeacherDefinition as _disco_v1_TeacherDefinition } from './disco/v1/Teacher.ts';
import type { TeacherInfo as _disco_v1_TeacherInfo, TeacherInfo__Output as _disco_v1_TeacherInfo__Output } from './disco/v1/TeacherInfo.ts';
import type { TeacherInfoRequest as _disco_v1_TeacherInfoRequest, TeacherInfoRequest__Output as _disco_v1_TeacherInfoRequest__Output } from './disco/v1/TeacherInfoRequest.ts';
import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from './disco/v1/ViewChunk.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  disco: {
    v1: {
      AugmentParams: MessageTypeDefinition<_disco_v1_AugmentParams, _disco_v1_AugmentParams__Output>
      BatchId: MessageTypeDefinition<_disco_v1_BatchId, _disco_v1_BatchId__Output>
      BatchSpec: MessageTypeDefinition<_disco_v1_BatchSpec, _disco_v1_BatchSpec__Output>
      DType: EnumTypeDefinition
      EmbeddingChunk: MessageTypeDefinition<_disco_v1_EmbeddingChunk, _disco_v1_EmbeddingChunk__Output>
      RejectedImage: MessageTypeDefinition<_disco_v1_RejectedImage, _disco_v1_RejectedImage__Output>
      Teacher: SubtypeConstructor<typeof grpc.Client, _disco_v1_TeacherClient> & { service: _disco_v1_TeacherDefinition }
      TeacherInfo: MessageTypeDefinition<_disco_v1_TeacherInfo, _disco_v1_TeacherInfo__Output>
      TeacherInfoRequest: MessageTypeDefinition<_disco_v1_TeacherInfoRequest, _disco_v1_TeacherInfoRequest__Output>
      ViewChunk: MessageTypeDefinition<_disco_v1_ViewChunk, _disco_v1_ViewChunk__Output>
    }
  }
}

