// Original file: protos/disco/v1/teacher.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EmbeddingChunk as _disco_v1_EmbeddingChunk, EmbeddingChunk__Output as _disco_v1_EmbeddingChunk__Output } from '../../disco/v1/EmbeddingChunk.ts';
import type { TeacherInfo as _disco_v1_TeacherInfo, TeacherInfo__Output as _disco_v1_TeacherInfo__Output } from '../../disco/v1/TeacherInfo.ts';
import type { TeacherInfoRequest as _disco_v1_TeacherInfoRequest, TeacherInfoRequest__Output as _disco_v1_TeacherInfoRequest__Output } from '../../disco/v1/TeacherInfoRequest.ts';
import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from '../../disco/v1/ViewChunk.ts';

export interface TeacherClient extends grpc.Client {
  /**
   * One call embeds one batch: the client streams the view chunks of a single batch id (both
   * views, any order) and half-closes; the server streams the embedding chunks of each view
   * as soon as that view is complete (so batch-statistics BN sees the whole view).
   */
  Embed(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_ViewChunk, _disco_v1_EmbeddingChunk__Output>;
  Embed(options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_ViewChunk, _disco_v1_EmbeddingChunk__Output>;
  /**
   * One call embeds one batch: the client streams the view chunks of a single batch id (both
   * views, any order) and half-closes; the server streams the embedding chunks of each view
   * as soon as that view is complete (so batch-statistics BN sees the whole view).
   */
  embed(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_ViewChunk, _disco_v1_EmbeddingChunk__Output>;
  embed(options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_ViewChunk, _disco_v1_EmbeddingChunk__Output>;
  
  Info(argument: _disco_v1_TeacherInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_TeacherInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_TeacherInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_TeacherInfoRequest, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_TeacherInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_TeacherInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_TeacherInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_TeacherInfoRequest, callback: grpc.requestCallback<_disco_v1_TeacherInfo__Output>): grpc.ClientUnaryCall;
  
}

export interface TeacherHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One call embeds one batch: the client streams the view chunks of a single batch id (both
   * views, any order) and half-closes; the server streams the embedding chunks of each view
   * as soon as that view is complete (so batch-statistics BN sees the whole view).
   */
  Embed: grpc.handleBidiStreamingCall<_disco_v1_ViewChunk__Output, _disco_v1_EmbeddingChunk>;
  
  Info: grpc.handleUnaryCall<_disco_v1_TeacherInfoRequest__Output, _disco_v1_TeacherInfo>;
  
}

export interface TeacherDefinition extends grpc.ServiceDefinition {
  Embed: MethodDefinition<_disco_v1_ViewChunk, _disco_v1_EmbeddingChunk, _disco_v1_ViewChunk__Output, _disco_v1_EmbeddingChunk__Output>
  Info: MethodDefinition<_disco_v1_TeacherInfoRequest, _disco_v1_TeacherInfo, _disco_v1_TeacherInfoRequest__Output, _disco_v1_TeacherInfo__Output>
}
