/**
 * A seeded fuzz pass (fast-check) over the wire decoders and validators: random bytes and
 * mutated valid messages go through the same protobuf deserialisers grpc-js uses, then through
 * the codec. The deserialiser may refuse bytes (grpc-js answers INTERNAL); whatever it accepts,
 * the codec either refuses with a DataplaneError (a field named, mapped to a status code) or
 * returns a chunk that keeps every invariant the join relies on. Then the same bytes are thrown
 * at a live coordinator: it answers each with a status, never crashes, and still accepts the
 * honest worker's delivery.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import {
  DataplaneCoordinator,
  DataplaneError,
  RoleServer,
  channelOptions,
  checkBatchSpec,
  chunkEmbeddings,
  chunkViews,
  decodeDelivery,
  decodeEmbeddingChunk,
  decodeViewChunk,
  fromWireParams,
  loadProtos,
  statusCodeOf,
  type BatchSpec__Output,
  type CoordinatorClient,
  type Delivery,
  type Delivery__Output,
  type EmbeddingChunk__Output,
  type ViewChunk__Output,
  type WireLimits,
} from '@disco/dataplane';

const limits: WireLimits = { maxBatchSize: 8, maxSide: 8, maxChunkBytes: 4096, maxEmbeddingDim: 8 };
const DATASET = 20;
const RUNS = 400;
const proto = loadProtos().disco.v1;
const serialize = {
  delivery: proto.Coordinator.service.Deliver.requestSerialize as (m: Delivery) => Buffer,
  spec: proto.Augment.service.Augment.requestSerialize as (m: object) => Buffer,
};
const deserialize = {
  delivery: proto.Coordinator.service.Deliver.requestDeserialize as (b: Buffer) => Delivery__Output,
  view: proto.Teacher.service.Embed.requestDeserialize as (b: Buffer) => ViewChunk__Output,
  embedding: proto.Teacher.service.Embed.responseDeserialize as (b: Buffer) => EmbeddingChunk__Output,
  spec: proto.Augment.service.Augment.requestDeserialize as (b: Buffer) => BatchSpec__Output,
};

const batch = { run: 'fuzz', epoch: 1, step: 2 };
const goodView = chunkViews({ batch, leaseId: 'L', view: 1, batchSize: 4, offset: 1, count: 2, height: 3, width: 2, data: new Uint8Array(36).fill(7), rejected: [{ position: 2, index: 9, replacementIndex: 3, reason: 'unreadable', detail: 'x.jpg' }] }, 4096)[0];
const goodEmbedding = chunkEmbeddings({ batch, leaseId: 'L', view: 2, batchSize: 4, offset: 0, count: 4, dim: 3, data: new Float32Array(12).fill(0.25) }, 4096)[0];
const goodSpec = { id: batch, indices: [3, 1, 4, 1, 5], runSeed: 9, size: 8, leaseId: 'L', leaseDeadlineUnixMs: 1e12, datasetSize: DATASET, params: { cropScaleMin: 0.2, cropScaleMax: 1, cropRatioMin: 0.75, cropRatioMax: 1.25, cropAttempts: 10, blurSigmaMin: 0.1, blurSigmaMax: 2, jitterP: 0.8, brightness: 0.4 } };
const SEEDS = {
  views: serialize.delivery({ views: goodView }),
  embeddings: serialize.delivery({ embeddings: goodEmbedding }),
  spec: serialize.spec(goodSpec),
};

/** Random bytes, or a valid message truncated, bit-flipped, overwritten or with bytes inserted. */
function bytesArb(seed: Buffer): fc.Arbitrary<Buffer> {
  const pos = fc.nat();
  return fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    pos.map((at) => seed.subarray(0, at % (seed.length + 1))),
    fc.array(fc.tuple(pos, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }).map((flips) => {
      const b = Buffer.from(seed);
      for (const [at, bit] of flips) b[at % b.length] ^= 1 << bit;
      return b;
    }),
    fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 12 })).map(([at, bytes]) => {
      const b = Buffer.from(seed);
      b.set(bytes.subarray(0, b.length - (at % b.length)), at % b.length);
      return b;
    }),
    fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 12 })).map(([at, bytes]) => Buffer.concat([seed.subarray(0, at % seed.length), bytes, seed.subarray(at % seed.length)])),
  );
}

/** Decodes `input` with `decode`, then validates with `check`: only DataplaneErrors may escape `check`. */
function decodeThenCheck<I, M, R>(input: I, decode: (i: I) => M, check: (m: M) => R): { refused: 'transport' | 'codec' } | { value: R } {
  let message: M;
  try {
    message = decode(input);
  } catch {
    return { refused: 'transport' }; // grpc-js: INTERNAL 'Error deserializing request'
  }
  try {
    return { value: check(message) };
  } catch (err) {
    if (!(err instanceof DataplaneError)) throw new Error(`expected a DataplaneError, got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    assert.ok(err.field === undefined || err.message.startsWith(err.field), `the message names the field: ${err.message}`);
    assert.ok([grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED, grpc.status.FAILED_PRECONDITION].includes(statusCodeOf(err)));
    return { refused: 'codec' };
  }
}

function checkViewInvariants(c: ReturnType<typeof decodeViewChunk>): void {
  assert.ok(c.view === 1 || c.view === 2);
  assert.ok(c.count >= 1 && c.offset + c.count <= c.batchSize && c.batchSize <= limits.maxBatchSize);
  assert.ok(c.height >= 1 && c.height <= limits.maxSide && c.width >= 1 && c.width <= limits.maxSide);
  assert.equal(c.data.byteLength, c.count * c.height * c.width * 3);
  assert.ok(c.data.byteLength <= limits.maxChunkBytes);
  assert.ok(c.rejected.every((r) => r.position >= c.offset && r.position < c.offset + c.count));
  assert.ok(c.batch.run.length >= 1 && c.batch.run.length <= 128 && c.leaseId.length <= 128);
}

function checkEmbeddingInvariants(c: ReturnType<typeof decodeEmbeddingChunk>): void {
  assert.ok(c.view === 1 || c.view === 2);
  assert.ok(c.count >= 1 && c.offset + c.count <= c.batchSize && c.batchSize <= limits.maxBatchSize);
  assert.ok(c.dim >= 1 && c.dim <= limits.maxEmbeddingDim);
  assert.equal(c.data.length, c.count * c.dim);
  assert.ok(c.data.every(Number.isFinite), 'every value finite');
}

test('view chunks: random and mutated bytes are refused by the deserialiser or the codec, or keep every invariant', () => {
  const tally = { transport: 0, codec: 0, accepted: 0 };
  fc.assert(
    fc.property(bytesArb(SEEDS.views), (bytes) => {
      const r = decodeThenCheck(bytes, deserialize.delivery, (d) => decodeDelivery(d, limits));
      if ('refused' in r) tally[r.refused]++;
      else {
        tally.accepted++;
        if ('height' in r.value) checkViewInvariants(r.value);
        else checkEmbeddingInvariants(r.value);
      }
    }),
    { seed: 11, numRuns: RUNS },
  );
  process.stdout.write(`# outcomes: ${JSON.stringify(tally)}\n`);
  assert.ok(tally.codec > 0 && tally.accepted > 0, `every outcome exercised: ${JSON.stringify(tally)}`);
});

test('embedding chunks: the same, and nothing non-finite is ever accepted', () => {
  const tally = { transport: 0, codec: 0, accepted: 0 };
  fc.assert(
    fc.property(bytesArb(SEEDS.embeddings), (bytes) => {
      const r = decodeThenCheck(bytes, deserialize.delivery, (d) => decodeDelivery(d, limits));
      if ('refused' in r) tally[r.refused]++;
      else {
        tally.accepted++;
        if ('height' in r.value) checkViewInvariants(r.value);
        else checkEmbeddingInvariants(r.value);
      }
    }),
    { seed: 12, numRuns: RUNS },
  );
  process.stdout.write(`# outcomes: ${JSON.stringify(tally)}\n`);
  assert.ok(tally.codec > 0 && tally.accepted > 0, `every outcome exercised: ${JSON.stringify(tally)}`);
});

test('batch specs and their augmentation parameters: refused with a DataplaneError or valid', () => {
  const tally = { transport: 0, codec: 0, accepted: 0 };
  fc.assert(
    fc.property(bytesArb(SEEDS.spec), (bytes) => {
      const r = decodeThenCheck(bytes, deserialize.spec, (s) => {
        const spec = checkBatchSpec(s, limits, DATASET);
        return { spec, params: s.params ? fromWireParams(s.params) : undefined };
      });
      if ('refused' in r) tally[r.refused]++;
      else {
        tally.accepted++;
        const { spec } = r.value;
        assert.ok(spec.indices.length >= 1 && spec.indices.length <= limits.maxBatchSize && spec.indices.every((i) => i < DATASET));
        assert.ok(spec.size >= 1 && spec.size <= limits.maxSide && spec.leaseDeadline >= 0);
      }
    }),
    { seed: 13, numRuns: RUNS },
  );
  process.stdout.write(`# outcomes: ${JSON.stringify(tally)}\n`);
  assert.ok(tally.codec > 0 && tally.accepted > 0, `every outcome exercised: ${JSON.stringify(tally)}`);
});

test('decoded messages with arbitrary field values: refused with a DataplaneError or valid', () => {
  const u32 = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constantFrom(0xffffffff, 0x7fffffff, 4096, 65536));
  const float = fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, -0));
  const common = {
    batch: fc.option(fc.record({ run: fc.string({ maxLength: 200 }), epoch: u32, step: u32 }), { nil: null }),
    leaseId: fc.string({ maxLength: 200 }),
    view: u32,
    batchSize: u32,
    offset: u32,
  };
  const view = fc.record({ ...common, shape: fc.array(u32, { maxLength: 5 }), dtype: fc.constantFrom('DTYPE_UINT8', 'DTYPE_FLOAT32', 'DTYPE_UNSPECIFIED'), data: fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)), rejected: fc.array(fc.record({ position: u32, index: u32, replacementIndex: u32, reason: fc.string(), detail: fc.string() }), { maxLength: 3 }) });
  const embedding = fc.record({ ...common, shape: fc.array(u32, { maxLength: 3 }), dtype: fc.constantFrom('DTYPE_FLOAT32', 'DTYPE_UINT8'), data: fc.array(float, { maxLength: 64 }).map((v) => Buffer.from(new Float32Array(v).buffer)) });
  fc.assert(
    fc.property(view, embedding, (v, e) => {
      const rv = decodeThenCheck(v, (m) => m as unknown as ViewChunk__Output, (m) => decodeViewChunk(m, limits));
      if ('value' in rv) checkViewInvariants(rv.value);
      const re = decodeThenCheck(e, (m) => m as unknown as EmbeddingChunk__Output, (m) => decodeEmbeddingChunk(m, limits));
      if ('value' in re) checkEmbeddingInvariants(re.value);
    }),
    { seed: 14, numRuns: RUNS },
  );
});

test('a live coordinator answers every fuzzed Deliver with a status and still accepts the honest delivery', async () => {
  const coordinator = new DataplaneCoordinator({ window: 2, leaseMs: 60_000, limits, maxPendingBytes: 1 << 20, datasetSize: DATASET });
  coordinator.extend([0, 1].map((step) => ({ id: { run: 'fuzz', epoch: 0, step }, spec: { indices: [step, step + 1], runSeed: 1, size: 2, datasetSize: DATASET } })));
  const server = new RoleServer({ services: ['disco.v1.Coordinator'] });
  server.server.addService(proto.Coordinator.service, coordinator.handlers);
  const port = await server.listen('127.0.0.1', 0);
  const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const client = new proto.Coordinator(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as CoordinatorClient;
  after(() => {
    raw.close();
    client.close();
    coordinator.close();
    server.close();
  });
  const specs = await new Promise<BatchSpec__Output[]>((resolve) => {
    const out: BatchSpec__Output[] = [];
    const lease = client.Lease();
    lease.on('error', () => undefined); // cancelled when the server closes
    lease.on('data', (s: BatchSpec__Output) => out.push(s) === 2 && resolve(out));
    lease.write({ hello: { workerId: 'honest', datasetSize: DATASET } });
    lease.write({ credits: 2 });
    after(() => lease.end());
  });
  const delivery = (spec: BatchSpec__Output): Delivery[] =>
    ([1, 2] as const).flatMap((v) => [
      { views: chunkViews({ batch: spec.id!, leaseId: spec.leaseId, view: v, batchSize: 2, offset: 0, count: 2, height: 2, width: 2, data: new Uint8Array(24).fill(v) }, 4096)[0] },
      { embeddings: chunkEmbeddings({ batch: spec.id!, leaseId: spec.leaseId, view: v, batchSize: 2, offset: 0, count: 2, dim: 2, data: new Float32Array(4).fill(v) }, 4096)[0] },
    ]);
  const seeds = delivery(specs[0]).map((d) => serialize.delivery(d));
  const send = (messages: Buffer[]) =>
    new Promise<grpc.status>((resolve) => {
      const id = (b: Buffer) => b;
      const call = raw.makeClientStreamRequest('/disco.v1.Coordinator/Deliver', id, id, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null) => resolve(err ? err.code : grpc.status.OK));
      for (const m of messages) call.write(m);
      call.end();
    });
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.nat(3), fc.oneof(...seeds.map(bytesArb)), async (keep, fuzzed) => {
      let decodes = true;
      try {
        deserialize.delivery(fuzzed);
      } catch {
        decodes = false;
      }
      const code = await send([...seeds.slice(0, keep), fuzzed]);
      codes.set(grpc.status[code], (codes.get(grpc.status[code]) ?? 0) + 1);
      // INTERNAL only for bytes the deserialiser refuses: the handler never fails unexpectedly.
      assert.ok(code !== grpc.status.UNKNOWN && (code !== grpc.status.INTERNAL || !decodes), `status ${grpc.status[code]} for decodable bytes`);
    }),
    { seed: 15, numRuns: 150 },
  );
  process.stdout.write(`# fuzzed deliveries by status: ${JSON.stringify(Object.fromEntries(codes))}\n`);
  assert.ok((codes.get('INVALID_ARGUMENT') ?? 0) > 0, `codes seen: ${JSON.stringify(Object.fromEntries(codes))}`);
  assert.equal(coordinator.join.stats().partial, 0, 'refused deliveries hold nothing');
  const honest = await new Promise<string>((resolve, reject) => {
    const call = client.Deliver({ deadline: Date.now() + 5000 }, (err, reply) => (err ? reject(err) : resolve(reply!.outcome as string)));
    for (const m of delivery(specs[1])) call.write(m);
    call.end();
  });
  assert.equal(honest, 'ACCEPTED');
});
