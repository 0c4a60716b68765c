// Original file: protos/disco/v1/coordinator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchSpec as _disco_v1_BatchSpec, BatchSpec__Output as _disco_v1_BatchSpec__Output } from '../../disco/v1/BatchSpec.ts';
import type { DeliverReply as _disco_v1_DeliverReply, DeliverReply__Output as _disco_v1_DeliverReply__Output } from '../../disco/v1/DeliverReply.ts';
import type { Delivery as _disco_v1_Delivery, Delivery__Output as _disco_v1_Delivery__Output } from '../../disco/v1/Delivery.ts';
import type { LeaseRequest as _disco_v1_LeaseRequest, LeaseRequest__Output as _disco_v1_LeaseRequest__Output } from '../../disco/v1/LeaseRequest.ts';
import type { StatusReply as _disco_v1_StatusReply, StatusReply__Output as _disco_v1_StatusReply__Output } from '../../disco/v1/StatusReply.ts';
import type { StatusRequest as _disco_v1_StatusRequest, StatusRequest__Output as _disco_v1_StatusRequest__Output } from '../../disco/v1/StatusRequest.ts';
import type { StopReply as _disco_v1_StopReply, StopReply__Output as _disco_v1_StopReply__Output } from '../../disco/v1/StopReply.ts';
import type { StopRequest as _disco_v1_StopRequest, StopRequest__Output as _disco_v1_StopRequest__Output } from '../../disco/v1/StopRequest.ts';

export interface CoordinatorClient extends grpc.Client {
  /**
   * One call per batch: the worker streams its views and the relayed embeddings, half-closes,
   * and gets the outcome.
   */
  Deliver(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  Deliver(metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  Deliver(options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  Deliver(callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  /**
   * One call per batch: the worker streams its views and the relayed embeddings, half-closes,
   * and gets the outcome.
   */
  deliver(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  deliver(metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  deliver(options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  deliver(callback: grpc.requestCallback<_disco_v1_DeliverReply__Output>): grpc.ClientWritableStream<_disco_v1_Delivery>;
  
  Lease(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_LeaseRequest, _disco_v1_BatchSpec__Output>;
  Lease(options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_LeaseRequest, _disco_v1_BatchSpec__Output>;
  lease(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_LeaseRequest, _disco_v1_BatchSpec__Output>;
  lease(options?: grpc.CallOptions): grpc.ClientDuplexStream<_disco_v1_LeaseRequest, _disco_v1_BatchSpec__Output>;
  
  Status(argument: _disco_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _disco_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _disco_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _disco_v1_StatusRequest, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _disco_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _disco_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _disco_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _disco_v1_StatusRequest, callback: grpc.requestCallback<_disco_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  Stop(argument: _disco_v1_StopRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _disco_v1_StopRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _disco_v1_StopRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _disco_v1_StopRequest, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _disco_v1_StopRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _disco_v1_StopRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _disco_v1_StopRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _disco_v1_StopRequest, callback: grpc.requestCallback<_disco_v1_StopReply__Output>): grpc.ClientUnaryCall;
  
}

export interface CoordinatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One call per batch: the worker streams its views and the relayed embeddings, half-closes,
   * and gets the outcome.
   */
  Deliver: grpc.handleClientStreamingCall<_disco_v1_Delivery__Output, _disco_v1_DeliverReply>;
  
  Lease: grpc.handleBidiStreamingCall<_disco_v1_LeaseRequest__Output, _disco_v1_BatchSpec>;
  
  Status: grpc.handleUnaryCall<_disco_v1_StatusRequest__Output, _disco_v1_StatusReply>;
  
  Stop: grpc.handleUnaryCall<_disco_v1_StopRequest__Output, _disco_v1_StopReply>;
  
}

export interface CoordinatorDefinition extends grpc.ServiceDefinition {
  Deliver: MethodDefinition<_disco_v1_Delivery, _disco_v1_DeliverReply, _disco_v1_Delivery__Output, _disco_v1_DeliverReply__Output>
  Lease: MethodDefinition<_disco_v1_LeaseRequest, _disco_v1_BatchSpec, _disco_v1_LeaseRequest__Output, _disco_v1_BatchSpec__Output>
  Status: MethodDefinition<_disco_v1_StatusRequest, _disco_v1_StatusReply, _disco_v1_StatusRequest__Output, _disco_v1_StatusReply__Output>
  Stop: MethodDefinition<_disco_v1_StopRequest, _disco_v1_StopReply, _disco_v1_StopRequest__Output, _disco_v1_StopReply__Output>
}
