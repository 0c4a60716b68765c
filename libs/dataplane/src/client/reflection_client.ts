/**
 * The client side of gRPC server reflection (grpc.reflection.v1, what grpcurl and grpcui use):
 * the services a server lists. For operators' scripts and the roles' tests.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The reflection proto shipped with @grpc/reflection. */
function reflectionProto(): string {
  const pkg = createRequire(import.meta.url).resolve('@grpc/reflection/package.json');
  return join(dirname(pkg), 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
}

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** Every service `address` lists over reflection (plaintext unless `credentials`). */
export function listServicesByReflection(address: string, credentials = grpc.credentials.createInsecure(), timeoutMs = 5000): Promise<string[]> {
  const definition = protoLoader.loadSync(reflectionProto(), { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { grpc: { reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo(o: grpc.CallOptions): grpc.ClientDuplexStream<object, ReflectionResponse> } } } } };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + timeoutMs });
    call.on('data', (r: ReflectionResponse) => {
      call.end();
      client.close();
      if (r.errorResponse) reject(new Error(`reflection: ${r.errorResponse.errorMessage}`));
      else resolve((r.listServicesResponse?.service ?? []).map((s) => s.name));
    });
    call.on('error', (err) => {
      client.close();
      reject(err);
    });
    call.write({ listServices: '*' });
  });
}
