import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AugmentParams as _disco_v1_AugmentParams, AugmentParams__Output as _disco_v1_AugmentParams__Output } from './disco/v1/AugmentParams.ts';
import type { BatchId as _disco_v1_BatchId, BatchId__Output as _disco_v1_BatchId__Output } from './disco/v1/BatchId.ts';
import type { BatchSpec as _disco_v1_BatchSpec, BatchSpec__Output as _disco_v1_BatchSpec__Output } from './disco/v1/BatchSpec.ts';
import type { CoordinatorClient as _disco_v1_CoordinatorClient, CoordinatorDefinition as _disco_v1_CoordinatorDefinition } from './disco/v1/Coordinator.ts';
import type { DeliverReply as _disco_v1_DeliverReply, DeliverReply__Output as _disco_v1_DeliverReply__Output } from './disco/v1/DeliverReply.ts';
import type { Delivery as _disco_v1_Delivery, Delivery__Output as _disco_v1_Delivery__Output } from './disco/v1/Delivery.ts';
import type { EmbeddingChunk as _disco_v1_EmbeddingChunk, EmbeddingChunk__Output as _disco_v1_EmbeddingChunk__Output } from './disco/v1/EmbeddingChunk.ts';
import type { LeaseRequest as _disco_v1_LeaseRequest, LeaseRequest__Output as _disco_v1_LeaseRequest__Output } from './disco/v1/LeaseRequest.ts';
import type { RejectedImage as _disco_v1_RejectedImage, RejectedImage__Output as _disco_v1_RejectedImage__Output } from './disco/v1/RejectedImage.ts';
import type { StatusReply as _disco_v1_StatusReply, StatusReply__Output as _disco_v1_StatusReply__Output } from './disco/v1/StatusReply.ts';
import type { StatusRequest as _disco_v1_StatusRequest, StatusRequest__Output as _disco_v1_StatusRequest__Output } from './disco/v1/StatusRequest.ts';
import type { StopReply as _disco_v1_StopReply, StopReply__Output as _disco_v1_StopReply__Output } from './disco/v1/StopReply.ts';
import type { StopRequest as _disco_v1_StopRequest, StopRequest__Output as _disco_v1_StopRequest__Output } from './disco/v1/StopRequest.ts';
import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from './disco/v1/ViewChunk.ts';
import type { WorkerHello as _disco_v1_WorkerHello, WorkerHello__Output as _disco_v1_WorkerHello__Output } from './disco/v1/WorkerHello.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  disco: {
    v1: {
      AugmentParams: MessageTypeDefinition<_disco_v1_AugmentParams, _disco_v1_AugmentParams__Output>
      BatchId: MessageTypeDefinition<_disco_v1_BatchId, _disco_v1_BatchId__Output>
      BatchSpec: MessageTypeDefinition<_disco_v1_BatchSpec, _disco_v1_BatchSpec__Output>
      Coordinator: SubtypeConstructor<typeof grpc.Client, _disco_v1_CoordinatorClient> & { service: _disco_v1_CoordinatorDefinition }
      DType: EnumTypeDefinition
      DeliverReply: MessageTypeDefinition<_disco_v1_DeliverReply, _disco_v1_DeliverReply__Output>
      Delivery: MessageTypeDefinition<_disco_v1_Delivery, _disco_v1_Delivery__Output>
      EmbeddingChunk: MessageTypeDefinition<_disco_v1_EmbeddingChunk, _disco_v1_EmbeddingChunk__Output>
      LeaseRequest: MessageTypeDefinition<_disco_v1_LeaseRequest, _disco_v1_LeaseRequest__Output>
      RejectedImage: MessageTypeDefinition<_disco_v1_RejectedImage, _disco_v1_RejectedImage__Output>
      StatusReply: MessageTypeDefinition<_disco_v1_StatusReply, _disco_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_disco_v1_StatusRequest, _disco_v1_StatusRequest__Output>
      StopReply: MessageTypeDefinition<_disco_v1_StopReply, _disco_v1_StopReply__Output>
      StopRequest: MessageTypeDefinition<_disco_v1_StopRequest, _disco_v1_StopRequest__Output>
      ViewChunk: MessageTypeDefinition<_disco_v1_ViewChunk, _disco_v1_ViewChunk__Output>
      WorkerHello: MessageTypeDefinition<_disco_v1_WorkerHello, _disco_v1_WorkerHello__Output>
    }
  }
}

