/** /metrics on port 0 and the standard gRPC server metrics from one interceptor, with exact codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { codeLabel, createRegistry, grpcServerMetrics, startMetricsServer } from '@disco/metrics';

// A throwaway service defined inline: this lib knows no disco protos.
const PROTO = `syntax = "proto3"; package t;
message M { string s = 1; }
service S { rpc Unary(M) returns (M); rpc Stream(M) returns (stream M); }`;

test('grpc_server_* count every call by method, type and code; /metrics serves them', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'disco-metrics-'));
  writeFileSync(join(dir, 't.proto'), PROTO);
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync('t.proto', { includeDirs: [dir] })) as any;

  const registry = createRegistry('trainer');
  const server = new grpc.Server({ interceptors: [grpcServerMetrics(registry)], 'grpc.max_receive_message_length': 1000 });
  server.addService(pkg.t.S.service, {
    Unary: (call: grpc.ServerUnaryCall<{ s: string }, object>, cb: grpc.sendUnaryData<object>) =>
      call.request.s === 'bad' ? cb({ code: grpc.status.INVALID_ARGUMENT, details: 's: bad' }) : cb(null, { s: 'ok' }),
    Stream: (call: grpc.ServerWritableStream<object, object>) => {
      call.write({ s: '1' });
      call.write({ s: '2' });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new pkg.t.S(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = (s: string) => new Promise<unknown>((resolve) => client.Unary({ s }, (err: unknown, r: unknown) => resolve(err ?? r)));
  await unary('a');
  await unary('b');
  await unary('bad');
  // grpc-js refuses a message over the server's limit itself: counted as ResourceExhausted, not Cancelled.
  assert.equal(((await unary('x'.repeat(2000))) as grpc.ServiceError).code, grpc.status.RESOURCE_EXHAUSTED);
  await new Promise((resolve) => client.Stream({}).on('data', () => undefined).on('end', resolve));

  const metrics = await startMetricsServer(registry, { host: '127.0.0.1', port: 0 });
  assert.ok(metrics.port > 0);
  const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
  assert.equal(res.status, 200);
  const body = await res.text();
  const line = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(body)?.[1];
  assert.equal(line('grpc_server_handled_total', 'grpc_service="t.S",grpc_method="Unary",grpc_type="unary",grpc_code="OK",service="trainer"'), '2');
  assert.equal(line('grpc_server_handled_total', 'grpc_service="t.S",grpc_method="Unary",grpc_type="unary",grpc_code="InvalidArgument",service="trainer"'), '1');
  assert.equal(line('grpc_server_started_total', 'grpc_service="t.S",grpc_method="Stream",grpc_type="server_stream",service="trainer"'), '1');
  assert.equal(line('grpc_server_msg_sent_total', 'grpc_service="t.S",grpc_method="Stream",grpc_type="server_stream",service="trainer"'), '2');
  assert.equal(line('grpc_server_handled_total', 'grpc_service="t.S",grpc_method="Unary",grpc_type="unary",grpc_code="ResourceExhausted",service="trainer"'), '1');
  assert.equal(line('grpc_server_handled_total', 'grpc_service="t.S",grpc_method="Unary",grpc_type="unary",grpc_code="Cancelled",service="trainer"'), undefined);
  assert.equal(line('grpc_server_handling_seconds_count', 'service="trainer",grpc_service="t.S",grpc_method="Unary",grpc_type="unary"'), '4');
  assert.match(body, /^process_cpu_seconds_total/m);
  assert.equal((await fetch(`http://127.0.0.1:${metrics.port}/other`)).status, 404);
  await metrics.close();
  client.close();
  server.forceShutdown();
});

test('code labels follow go-grpc-prometheus', () => {
  assert.equal(codeLabel(grpc.status.OK), 'OK');
  assert.equal(codeLabel(grpc.status.RESOURCE_EXHAUSTED), 'ResourceExhausted');
  assert.equal(codeLabel(grpc.status.DEADLINE_EXCEEDED), 'DeadlineExceeded');
});
