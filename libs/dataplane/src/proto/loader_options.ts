/**
 * The one place disco loads its protos. The options must match the flags of
 * protos/generate.sh, which generates the types in protos/generated/ from the same files:
 * camelCase fields, int64 as JS numbers, enums as their names, defaults filled in, oneofs
 * named, and `bytes` left as Buffers (no copy on decode: protobufjs slices the received buffer).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { AugmentProtoGrpcType, CoordinatorProtoGrpcType, HealthProtoGrpcType, TeacherProtoGrpcType } from './types.ts';

/** `protos/` at the repository root. */
export const PROTO_ROOT = fileURLToPath(new URL('../../../../protos/', import.meta.url));

export const PROTO_FILES = [
  'disco/v1/batch.proto',
  'disco/v1/augment.proto',
  'disco/v1/teacher.proto',
  'disco/v1/coordinator.proto',
  'grpc/health/v1/health.proto',
] as const;

export const LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
});

export type DiscoProto = AugmentProtoGrpcType & TeacherProtoGrpcType & CoordinatorProtoGrpcType & HealthProtoGrpcType;

let cached: DiscoProto | undefined;
let definition: protoLoader.PackageDefinition | undefined;

/** The loaded definitions themselves (server reflection serves them). */
export function protoDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync([...PROTO_FILES], { ...LOADER_OPTIONS });
  return definition;
}

/** All of disco's services and messages, loaded once per process. */
export function loadProtos(): DiscoProto {
  cached ??= grpc.loadPackageDefinition(protoDefinition()) as unknown as DiscoProto;
  return cached;
}
