/**
 * Coordinator.Lease and Coordinator.Deliver over real gRPC: credits bound hand-out, a bad hello
 * is refused with its exact code, deliveries are ACCEPTED / DUPLICATE / STALE, and malformed or
 * incomplete ones fail with INVALID_ARGUMENT naming the field.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_WIRE_LIMITS,
  DataplaneCoordinator,
  RoleServer,
  channelOptions,
  chunkEmbeddings,
  chunkViews,
  loadProtos,
  type BatchSpec__Output,
  type CoordinatorClient,
  type DeliverReply__Output,
  type Delivery,
  type LeaseRequest,
} from '@disco/dataplane';

const N = 2;
const S = 4;
const D = 3;

async function setup(window = 2, steps = 3, leaseMs = 60_000) {
  const coordinator = new DataplaneCoordinator({ window, leaseMs, limits: DEFAULT_WIRE_LIMITS, maxPendingBytes: 1 << 20, datasetSize: 10 });
  coordinator.extend(Array.from({ length: steps }, (_, step) => step).map((step) => ({ id: { run: 'c', epoch: 0, step }, spec: { indices: [step, step + 3], runSeed: 1, size: S, datasetSize: 10 } })));
  const server = new RoleServer({ services: ['disco.v1.Coordinator'] });
  server.server.addService(loadProtos().disco.v1.Coordinator.service, coordinator.handlers);
  const port = await server.listen('127.0.0.1', 0);
  const client = new (loadProtos().disco.v1.Coordinator)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as CoordinatorClient;
  after(() => {
    client.close();
    coordinator.close();
    server.close();
  });
  return { coordinator, client };
}

function deliveries(spec: BatchSpec__Output, leaseId = spec.leaseId): Delivery[] {
  const common = { batch: spec.id!, leaseId, batchSize: N, offset: 0, count: N };
  const out: Delivery[] = [];
  for (const view of [1, 2] as const) {
    for (const c of chunkViews({ ...common, view, height: S, width: S, data: new Uint8Array(N * S * S * 3).fill(view) }, 1 << 20)) out.push({ views: c });
    for (const c of chunkEmbeddings({ ...common, view, dim: D, data: new Float32Array(N * D).fill(view) }, 1 << 20)) out.push({ embeddings: c });
  }
  return out;
}

function deliver(client: CoordinatorClient, messages: Delivery[]): Promise<DeliverReply__Output> {
  return new Promise((resolve, reject) => {
    const call = client.Deliver({ deadline: Date.now() + 10_000 }, (err, reply) => (err ? reject(err) : resolve(reply!)));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function lease(client: CoordinatorClient, hello: object, credits: number, want: number): Promise<{ specs: BatchSpec__Output[]; call: grpc.ClientDuplexStream<LeaseRequest, BatchSpec__Output> }> {
  return new Promise((resolve, reject) => {
    const specs: BatchSpec__Output[] = [];
    const call = client.Lease();
    call.on('data', (s: BatchSpec__Output) => {
      specs.push(s);
      if (specs.length === want) resolve({ specs, call });
    });
    call.on('error', reject);
    call.write({ hello });
    call.write({ credits });
  });
}

test('credits and the window bound hand-out; deliveries are accepted once, in plan order', async () => {
  const { coordinator, client } = await setup();
  const { specs, call } = await lease(client, { workerId: 'w', datasetSize: 10 }, 5, 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(specs.length, 2, 'window 2 stops the third');
  assert.deepEqual(specs.map((s) => [s.id!.step, s.indices]), [[0, [0, 3]], [1, [1, 4]]]);
  assert.ok(specs[0].leaseDeadlineUnixMs > Date.now());

  assert.equal((await deliver(client, deliveries(specs[1]))).outcome, 'ACCEPTED');
  assert.equal((await deliver(client, deliveries(specs[1]))).outcome, 'DUPLICATE');
  assert.equal((await deliver(client, deliveries(specs[0], 'forged'))).outcome, 'STALE');
  assert.equal((await deliver(client, deliveries(specs[0]))).outcome, 'ACCEPTED');

  const first = await coordinator.next(AbortSignal.timeout(1000));
  assert.equal(first.key, 'c/0/0');
  assert.deepEqual(Array.from(first.embeddings[1]), new Array(N * D).fill(2));
  const third = new Promise<BatchSpec__Output>((resolve) => call.once('data', resolve));
  coordinator.consumed(first.key);
  assert.equal((await third).id!.step, 2, 'consuming slides the window');
  assert.equal((await coordinator.next()).key, 'c/0/1');
  call.end();
});

test('when the window frees one slot at a time, the slots go to the workers in turn', async () => {
  // Each worker, like the augment worker, holds one credit and grants the next when its delivery
  // is accepted: a credit message and a consumption per batch, two pumps per lease.
  const { coordinator, client } = await setup(1, 8);
  const got: string[] = [];
  const delivered: Promise<DeliverReply__Output>[] = [];
  const workers = ['a', 'b'].map((workerId) => {
    const call = client.Lease();
    call.on('error', () => {}); // cancelled when the server closes
    call.on('data', (spec: BatchSpec__Output) => {
      got.push(workerId);
      const reply = deliver(client, deliveries(spec));
      delivered.push(reply);
      void reply.then(() => call.write({ credits: 1 }), () => {});
    });
    call.write({ hello: { workerId, datasetSize: 10 } });
    call.write({ credits: 1 });
    return call;
  });
  for (let step = 0; step < 8; step++) {
    const batch = await coordinator.next(AbortSignal.timeout(5000));
    assert.equal(batch.key, `c/0/${step}`);
    await new Promise((r) => setTimeout(r, 20)); // the credit arrives before the slot frees
    coordinator.consumed(batch.key);
  }
  // The first lease goes to whichever hello and credits arrived first; from then on, in turn.
  const first = got[0];
  assert.deepEqual(got, Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? first : first === 'a' ? 'b' : 'a')), `leases went ${got.join(',')}`);
  assert.deepEqual((await Promise.all(delivered)).map((r) => r.outcome), new Array(8).fill('ACCEPTED'));
  workers.forEach((w) => w.end());
});

test('a delivery overtaken mid-call by another lease\'s is answered DUPLICATE, not refused', async () => {
  const { coordinator, client } = await setup(1, 1, 300);
  const a = await lease(client, { workerId: 'a', datasetSize: 10 }, 1, 1);
  const messages = deliveries(a.specs[0]);
  let answered: (v: grpc.ServiceError | DeliverReply__Output) => void = () => {};
  const answer = new Promise<grpc.ServiceError | DeliverReply__Output>((resolve) => (answered = resolve));
  const late = client.Deliver({ deadline: Date.now() + 10_000 }, (err, r) => answered(err ?? r!));
  late.write(messages[0]);
  // a's lease expires; b gets the batch and delivers it whole.
  const b = await lease(client, { workerId: 'b', datasetSize: 10 }, 1, 1);
  assert.notEqual(b.specs[0].leaseId, a.specs[0].leaseId);
  assert.equal((await deliver(client, deliveries(b.specs[0]))).outcome, 'ACCEPTED');
  for (const m of messages.slice(1)) late.write(m);
  late.end();
  const reply = await answer;
  assert.ok(!(reply instanceof Error), `the late delivery was refused: ${(reply as Error).message}`);
  assert.equal(reply.outcome, 'DUPLICATE');
  assert.deepEqual({ ...coordinator.counters }, { accepted: 1, duplicate: 1, stale: 0, invalid: 0 });
  assert.equal((await coordinator.next(AbortSignal.timeout(1000))).key, 'c/0/0');
  a.call.end();
  b.call.end();
});

test('a bad hello and bad deliveries fail with exact codes naming the field', async () => {
  const { client } = await setup();
  await assert.rejects(lease(client, { workerId: 'w', datasetSize: 11 }, 1, 1), (e: grpc.ServiceError) => e.code === grpc.status.FAILED_PRECONDITION && /^hello\.dataset_size:/.test(e.details));
  await assert.rejects(lease(client, { workerId: '', datasetSize: 10 }, 1, 1), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^hello\.worker_id:/.test(e.details));
  const { specs, call } = await lease(client, { workerId: 'w2', datasetSize: 10 }, 1, 1);
  const all = deliveries(specs[0]);
  const unknown = { ...specs[0], id: { run: 'c', epoch: 7, step: 0 } };
  await assert.rejects(deliver(client, deliveries(unknown)), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^batch: c\/7\/0 is not in the plan/.test(e.details));
  await assert.rejects(deliver(client, all.slice(0, -1)), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^batch: .*incomplete.*embeddings 2/.test(e.details));
  await assert.rejects(deliver(client, [{}]), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^kind:/.test(e.details));
  await assert.rejects(deliver(client, [all[0], all[0]]), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^offset:/.test(e.details));
  assert.equal((await deliver(client, all)).outcome, 'ACCEPTED', 'failed attempts left nothing behind');
  call.end();
});
