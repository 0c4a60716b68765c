// Original file: protos/disco/v1/augment.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AugmentInfo as _disco_v1_AugmentInfo, AugmentInfo__Output as _disco_v1_AugmentInfo__Output } from '../../disco/v1/AugmentInfo.ts';
import type { AugmentInfoRequest as _disco_v1_AugmentInfoRequest, AugmentInfoRequest__Output as _disco_v1_AugmentInfoRequest__Output } from '../../disco/v1/AugmentInfoRequest.ts';
import type { BatchSpec as _disco_v1_BatchSpec, BatchSpec__Output as _disco_v1_BatchSpec__Output } from '../../disco/v1/BatchSpec.ts';
import type { ViewChunk as _disco_v1_ViewChunk, ViewChunk__Output as _disco_v1_ViewChunk__Output } from '../../disco/v1/ViewChunk.ts';

export interface AugmentClient extends grpc.Client {
  /**
   * Both views of every image of the spec, in chunks of whole images (views 1 and 2
   * interleaved, offsets ascending per view). Used directly by tests and benchmarks; in
   * training, workers lease specs from the trainer instead.
   */
  Augment(argument: _disco_v1_BatchSpec, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_disco_v1_ViewChunk__Output>;
  Augment(argument: _disco_v1_BatchSpec, options?: grpc.CallOptions): grpc.ClientReadableStream<_disco_v1_ViewChunk__Output>;
  /**
   * Both views of every image of the spec, in chunks of whole images (views 1 and 2
   * interleaved, offsets ascending per view). Used directly by tests and benchmarks; in
   * training, workers lease specs from the trainer instead.
   */
  augment(argument: _disco_v1_BatchSpec, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_disco_v1_ViewChunk__Output>;
  augment(argument: _disco_v1_BatchSpec, options?: grpc.CallOptions): grpc.ClientReadableStream<_disco_v1_ViewChunk__Output>;
  
  Info(argument: _disco_v1_AugmentInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_AugmentInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_AugmentInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  Info(argument: _disco_v1_AugmentInfoRequest, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_AugmentInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_AugmentInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_AugmentInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  info(argument: _disco_v1_AugmentInfoRequest, callback: grpc.requestCallback<_disco_v1_AugmentInfo__Output>): grpc.ClientUnaryCall;
  
}

export interface AugmentHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Both views of every image of the spec, in chunks of whole images (views 1 and 2
   * interleaved, offsets ascending per view). Used directly by tests and benchmarks; in
   * training, workers lease specs from the trainer instead.
   */
  Augment: grpc.handleServerStreamingCall<_disco_v1_BatchSpec__Output, _disco_v1_ViewChunk>;
  
  Info: grpc.handleUnaryCall<_disco_v1_AugmentInfoRequest__Output, _disco_v1_AugmentInfo>;
  
}

export interface AugmentDefinition extends grpc.ServiceDefinition {
  Augment: MethodDefinition<_disco_v1_BatchSpec, _disco_v1_ViewChunk, _disco_v1_BatchSpec__Output, _disco_v1_ViewChunk__Output>
  Info: MethodDefinition<_disco_v1_AugmentInfoRequest, _disco_v1_AugmentInfo, _disco_v1_AugmentInfoRequest__Output, _disco_v1_AugmentInfo__Output>
}
