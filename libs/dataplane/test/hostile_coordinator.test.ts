/**
 * Hostile input against the coordinator (Lease + Deliver, as the trainer serves them) over real
 * gRPC on localhost:0 with a 1 MiB message limit: oversize messages, wrong shapes, dtypes and
 * lengths, non-finite embeddings, unknown, replayed and out-of-window batches, mixed batches,
 * undecodable bytes. Each is refused with its exact code and a message naming the field, each
 * is counted (deliveries refused, grpc_server_handled_total by code), nothing is left held in
 * the join, and the next good delivery is accepted and trained.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createRegistry, grpcServerMetrics } from '@disco/metrics';
import {
  DataplaneCoordinator,
  RoleServer,
  channelOptions,
  chunkEmbeddings,
  chunkViews,
  loadProtos,
  wireLimitsFor,
  type BatchSpec__Output,
  type CoordinatorClient,
  type Delivery,
  type EmbeddingChunk,
  type ViewChunk,
} from '@disco/dataplane';

const MiB = 1024 * 1024;
const N = 2;
const S = 4;
const D = 3;
const limits = wireLimitsFor(MiB, { maxBatchSize: 64, maxSide: 64, maxEmbeddingDim: 64 });

async function setup() {
  const registry = createRegistry('trainer');
  const coordinator = new DataplaneCoordinator({ window: 2, leaseMs: 60_000, limits, maxPendingBytes: 4 * MiB, datasetSize: 10 });
  coordinator.extend([0, 1, 2, 3].map((step) => ({ id: { run: 'h', epoch: 0, step }, spec: { indices: [step, step + 5], runSeed: 1, size: S, datasetSize: 10 } })));
  const server = new RoleServer({ services: ['disco.v1.Coordinator'], maxMessageBytes: MiB, interceptors: [grpcServerMetrics(registry)] });
  server.server.addService(loadProtos().disco.v1.Coordinator.service, coordinator.handlers);
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  // The client may send up to 4 MiB: the server's limit is what is tested.
  const client = new (loadProtos().disco.v1.Coordinator)(address, grpc.credentials.createInsecure(), channelOptions({ maxMessageBytes: 4 * MiB })) as CoordinatorClient;
  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  after(() => {
    client.close();
    raw.close();
    coordinator.close();
    server.close();
  });
  return { coordinator, client, raw, registry };
}

type Outcome = { code: grpc.status; details: string } | { outcome: string };

function deliver(client: CoordinatorClient, messages: Delivery[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.Deliver({ deadline: Date.now() + 10_000 }, (err, reply) => resolve(err ? { code: err.code, details: err.details } : { outcome: reply!.outcome as string }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Raw bytes as messages of a client-streaming method (nothing serialised). */
function deliverBytes(raw: grpc.Client, path: string, messages: Buffer[]): Promise<{ code: grpc.status; details: string }> {
  return new Promise((resolve) => {
    const id = (b: Buffer) => b;
    const call = raw.makeClientStreamRequest(path, id, id, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null) =>
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
    );
    for (const m of messages) call.write(m);
    call.end();
  });
}

function leaseSpecs(client: CoordinatorClient, credits: number): Promise<BatchSpec__Output[]> {
  return new Promise((resolve, reject) => {
    const specs: BatchSpec__Output[] = [];
    const call = client.Lease();
    call.on('data', (s: BatchSpec__Output) => {
      specs.push(s);
      if (specs.length === credits) resolve(specs);
    });
    call.on('error', reject);
    call.write({ hello: { workerId: 'honest', datasetSize: 10 } });
    call.write({ credits });
    after(() => call.end());
  });
}

function leaseError(client: CoordinatorClient, requests: object[]): Promise<{ code: grpc.status; details: string }> {
  return new Promise((resolve) => {
    const call = client.Lease({ deadline: Date.now() + 10_000 });
    call.on('data', () => undefined);
    call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    call.on('end', () => resolve({ code: grpc.status.OK, details: 'ended' }));
    for (const r of requests) call.write(r);
  });
}

/** A complete, valid delivery of `spec`: views 1 and 2 and their embeddings. */
function goodDelivery(spec: Pick<BatchSpec__Output, 'id' | 'leaseId'>, fill = 1): { views: ViewChunk[]; embeddings: EmbeddingChunk[]; all: Delivery[] } {
  const common = { batch: spec.id!, leaseId: spec.leaseId, batchSize: N, offset: 0, count: N };
  const views = ([1, 2] as const).map((view) => chunkViews({ ...common, view, height: S, width: S, data: new Uint8Array(N * S * S * 3).fill(fill * view) }, MiB)[0]);
  const embeddings = ([1, 2] as const).map((view) => chunkEmbeddings({ ...common, view, dim: D, data: new Float32Array(N * D).fill(0.5 * view) }, MiB)[0]);
  return { views, embeddings, all: [{ views: views[0] }, { embeddings: embeddings[0] }, { views: views[1] }, { embeddings: embeddings[1] }] };
}

function withEmbedding(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

test('every hostile delivery is refused with its code and field, counted, and the next good one is trained', async () => {
  const { coordinator, client, raw, registry } = await setup();
  const [spec0, spec1] = await leaseSpecs(client, 2);
  const g = goodDelivery(spec0);
  const [v1, v2] = g.views;
  const [e1, e2] = g.embeddings;
  const good = g.all;
  const nan = [0.1, 0.2, 0.3, 0.4, 0.5, NaN];
  const cases: [string, Delivery[], grpc.status, RegExp][] = [
    ['message over the 1 MiB gRPC limit', [{ views: { ...v1, data: Buffer.alloc(2 * MiB) } }], grpc.status.RESOURCE_EXHAUSTED, /larger than max/],
    ['chunk over the wire chunk limit', [{ views: { ...v1, data: Buffer.alloc(limits.maxChunkBytes + 1) } }], grpc.status.RESOURCE_EXHAUSTED, /^data: \d+ exceeds the chunk size limit/],
    ['float32 views', [{ views: { ...v1, dtype: 'DTYPE_FLOAT32' } }], grpc.status.INVALID_ARGUMENT, /^dtype: DTYPE_FLOAT32 for views/],
    ['uint8 embeddings', [{ views: v1 }, { embeddings: { ...e1, dtype: 'DTYPE_UINT8' } }], grpc.status.INVALID_ARGUMENT, /^dtype: DTYPE_UINT8 for embeddings/],
    ['3-D views', [{ views: { ...v1, shape: [N, S, S * 3] } }], grpc.status.INVALID_ARGUMENT, /^shape: \[2, 4, 12\] is not \[n, height, width, 3\]/],
    ['1-channel views', [{ views: { ...v1, shape: [N, S, S, 1] } }], grpc.status.INVALID_ARGUMENT, /^shape\[3\]: 1 channels/],
    ['short view data', [{ views: { ...v1, data: (v1.data as Buffer).subarray(1) } }], grpc.status.INVALID_ARGUMENT, /^data: 95 bytes for shape \[2, 4, 4, 3\] \(want 96\)/],
    ['short embedding data', [{ embeddings: { ...e1, data: withEmbedding([1, 2, 3, 4, 5]) } }], grpc.status.INVALID_ARGUMENT, /^data: 20 bytes for float32 shape \[2, 3\] \(want 24\)/],
    ['NaN in an embedding', [{ views: v1 }, { embeddings: { ...e1, data: withEmbedding(nan) } }], grpc.status.INVALID_ARGUMENT, /^data: embedding of batch position 1, column 2 is NaN \(must be finite\)/],
    ['+Infinity in an embedding', [{ embeddings: { ...e2, data: withEmbedding([Infinity, 0, 0, 0, 0, 0]) } }], grpc.status.INVALID_ARGUMENT, /^data: embedding of batch position 0, column 0 is Infinity/],
    ['-Infinity in an embedding', [{ embeddings: { ...e2, data: withEmbedding([0, 0, 0, 0, -Infinity, 0]) } }], grpc.status.INVALID_ARGUMENT, /^data: embedding of batch position 1, column 1 is -Infinity/],
    ['embedding dimension over the limit', [{ embeddings: { ...e1, shape: [1, 65], data: Buffer.alloc(260) } }], grpc.status.RESOURCE_EXHAUSTED, /^shape\[1\]: 65 exceeds the embedding dimension limit of 64/],
    ['embedding dimensions disagree', [{ embeddings: e1 }, { embeddings: { ...e2, shape: [N, 2], data: withEmbedding([1, 2, 3, 4]) } }], grpc.status.INVALID_ARGUMENT, /^shape\[1\]: dimension 2 after earlier chunks of 3/],
    ['view sizes disagree', [{ views: v1 }, { views: { ...v2, shape: [N, S, S + 1, 3], data: Buffer.alloc(N * S * (S + 1) * 3) } }], grpc.status.INVALID_ARGUMENT, /^shape: 4×5 images after earlier chunks of 4×4/],
    ['rows past batch_size', [{ views: { ...v1, offset: 1 } }], grpc.status.INVALID_ARGUMENT, /^offset: rows \[1, 3\) run past batch_size 2/],
    ['batch_size over the limit', [{ views: { ...v1, batchSize: 65 } }], grpc.status.RESOURCE_EXHAUSTED, /^batch_size: 65 exceeds the batch size limit of 64/],
    ['batch_size changes mid-delivery', [{ views: v1 }, { views: { ...v2, batchSize: 3 } }], grpc.status.INVALID_ARGUMENT, /^batch_size: 3 after earlier chunks said 2/],
    ['view 0', [{ views: { ...v1, view: 0 } }], grpc.status.INVALID_ARGUMENT, /^view: 0 is not 1 or 2/],
    ['empty run name', [{ views: { ...v1, batch: { ...spec0.id!, run: '' } } }], grpc.status.INVALID_ARGUMENT, /^batch\.run: empty/],
    ['run name of 10 000 characters', [{ views: { ...v1, batch: { ...spec0.id!, run: 'r'.repeat(10_000) } } }], grpc.status.INVALID_ARGUMENT, /^batch\.run: longer than 128/],
    ['lease id of 10 000 characters', [{ views: { ...v1, leaseId: 'l'.repeat(10_000) } }], grpc.status.INVALID_ARGUMENT, /^lease_id: longer than 128/],
    ['rejected image outside the chunk', [{ views: { ...v1, rejected: [{ position: 7, index: 1, replacementIndex: 2, reason: 'x', detail: 'y' }] } }], grpc.status.INVALID_ARGUMENT, /^rejected\[0\]\.position: 7 is outside/],
    ['unknown batch id', goodDelivery({ ...spec0, id: { run: 'h', epoch: 9, step: 0 } }).all, grpc.status.INVALID_ARGUMENT, /^batch: h\/9\/0 is not in the plan/],
    ['another run', goodDelivery({ ...spec0, id: { run: 'other', epoch: 0, step: 0 } }).all, grpc.status.INVALID_ARGUMENT, /^batch: other\/0\/0 is not in the plan/],
    ['two batches in one delivery', [{ views: v1 }, { views: goodDelivery(spec1).views[0] }], grpc.status.INVALID_ARGUMENT, /^batch: h\/0\/1 under lease .* in a delivery of h\/0\/0 .*: one batch per call/],
    ['the same chunk twice', [{ views: v1 }, { views: v1 }], grpc.status.INVALID_ARGUMENT, /^offset: images \[0, 2\) of view 1 of batch h\/0\/0 were already received/],
    ['a delivery that stops short', good.slice(0, 3), grpc.status.INVALID_ARGUMENT, /^batch: h\/0\/0 is incomplete at the end of the delivery \(missing embeddings 2: 2 rows\)/],
    ['a delivery with no messages', [], grpc.status.INVALID_ARGUMENT, /^kind: a delivery with no messages/],
    ['a message of neither kind', [{}], grpc.status.INVALID_ARGUMENT, /^kind: a delivery holds views or embeddings/],
  ];
  for (const [name, messages, code, details] of cases) {
    const got = await deliver(client, messages);
    assert.ok('code' in got, `${name}: expected an error, got ${JSON.stringify(got)}`);
    assert.equal(got.code, code, `${name}: ${got.details}`);
    assert.match(got.details, details, name);
  }
  const undecodable = await deliverBytes(raw, '/disco.v1.Coordinator/Deliver', [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])]);
  assert.equal(undecodable.code, grpc.status.INTERNAL, `undecodable bytes: ${undecodable.details}`);
  assert.match(undecodable.details, /deserializing/);

  // Every refused delivery that reached the handler is counted by the coordinator, and every
  // call by the server's metrics with its real code, also those grpc-js refuses itself below
  // the interceptors (oversize → ResourceExhausted, undecodable → Internal), none as Cancelled.
  assert.equal(coordinator.counters.invalid, cases.length - 1, 'refused deliveries counted');
  const metrics = await registry.metrics();
  const handled = (code: string) => Number(new RegExp(`grpc_server_handled_total\\{[^}]*grpc_method="Deliver"[^}]*grpc_code="${code}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  const byCode = (code: grpc.status) => cases.filter(([, , c]) => c === code).length;
  assert.equal(handled('InvalidArgument'), byCode(grpc.status.INVALID_ARGUMENT));
  assert.equal(handled('ResourceExhausted'), byCode(grpc.status.RESOURCE_EXHAUSTED));
  assert.equal(handled('Internal'), 1, 'the undecodable delivery');
  assert.equal(handled('Cancelled'), 0);
  assert.deepEqual(coordinator.join.stats(), { partial: 0, complete: 0, pendingBytes: 0 }, 'refused deliveries hold nothing');

  // The honest worker's deliveries still go through, and the batch trained is the good one.
  assert.deepEqual(await deliver(client, good), { outcome: 'ACCEPTED' });
  const batch = await coordinator.next(AbortSignal.timeout(5000));
  assert.equal(batch.key, 'h/0/0');
  assert.deepEqual(Array.from(batch.embeddings[1]), new Array(N * D).fill(1));
  assert.ok(batch.views[0].every((b) => b === 1));
  coordinator.consumed(batch.key);
});

test('replayed, stale and out-of-window deliveries are answered DUPLICATE or STALE and never trained twice', async () => {
  const { coordinator, client } = await setup();
  const [spec0, spec1] = await leaseSpecs(client, 2);
  assert.deepEqual(await deliver(client, goodDelivery(spec0).all), { outcome: 'ACCEPTED' });
  assert.deepEqual(await deliver(client, goodDelivery(spec0, 7).all), { outcome: 'DUPLICATE' }, 'replay before training');
  assert.deepEqual(await deliver(client, goodDelivery({ ...spec1, leaseId: 'forged' }).all), { outcome: 'STALE' }, 'in the window, lease never issued');
  const beyond = { id: { run: 'h', epoch: 0, step: 3 }, leaseId: spec1.leaseId };
  assert.deepEqual(await deliver(client, goodDelivery(beyond).all), { outcome: 'STALE' }, 'planned but outside the window');
  const first = await coordinator.next(AbortSignal.timeout(5000));
  coordinator.consumed(first.key);
  assert.deepEqual(await deliver(client, goodDelivery(spec0, 9).all), { outcome: 'DUPLICATE' }, 'replay after training');
  assert.deepEqual(coordinator.counters, { accepted: 1, duplicate: 2, stale: 2, invalid: 0 });
  assert.deepEqual(await deliver(client, goodDelivery(spec1).all), { outcome: 'ACCEPTED' });
  assert.equal((await coordinator.next(AbortSignal.timeout(5000))).key, 'h/0/1');
  assert.ok(first.views[0].every((b) => b === 1), 'the replays changed nothing');
});

test('hostile lease streams are refused with their codes; honest workers keep their leases', async () => {
  const { coordinator, client, raw } = await setup();
  const cases: [string, object[], grpc.status, RegExp][] = [
    ['credits before the hello', [{ credits: 5 }], grpc.status.INVALID_ARGUMENT, /^hello: the first message of a lease stream must be a hello/],
    ['a second hello', [{ hello: { workerId: 'x', datasetSize: 10 } }, { hello: { workerId: 'x', datasetSize: 10 } }], grpc.status.INVALID_ARGUMENT, /^kind: after the hello, only credits or releases/],
    ['more than 1024 credits', [{ hello: { workerId: 'x', datasetSize: 10 } }, { credits: 4_000_000_000 }], grpc.status.INVALID_ARGUMENT, /^credits: more than 1024 outstanding/],
    ['another dataset', [{ hello: { workerId: 'x', datasetSize: 11 } }], grpc.status.FAILED_PRECONDITION, /^hello\.dataset_size: worker has 11 images, the plan 10/],
  ];
  for (const [name, requests, code, details] of cases) {
    const got = await leaseError(client, requests);
    assert.equal(got.code, code, `${name}: ${got.details}`);
    assert.match(got.details, details, name);
  }
  const undecodable = await new Promise<grpc.ServiceError>((resolve) => {
    const id = (b: Buffer) => b;
    const call = raw.makeBidiStreamRequest('/disco.v1.Coordinator/Lease', id, id, { deadline: Date.now() + 10_000 });
    call.on('error', resolve);
    call.write(Buffer.from([0x12, 0x80]));
  });
  assert.equal(undecodable.code, grpc.status.INTERNAL);
  // A release of a lease the worker does not hold changes nothing.
  const specs = await leaseSpecs(client, 2);
  const intruder = client.Lease();
  intruder.on('error', () => undefined);
  intruder.write({ hello: { workerId: 'x', datasetSize: 10 } });
  intruder.write({ releaseLeaseId: specs[0].leaseId });
  intruder.write({ credits: 1 });
  await new Promise((r) => setTimeout(r, 200));
  intruder.cancel();
  assert.equal(coordinator.window.leases().filter((l) => l.workerId === 'honest').length, 2, "the honest worker's leases stand");
});
