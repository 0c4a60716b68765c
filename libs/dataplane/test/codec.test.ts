/**
 * The codec through real protobuf serialisation (the loaded service definitions' serializers):
 * round trips are exact and copy-free on decode, and every validation failure names its field
 * and maps to the right gRPC code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import {
  DEFAULT_WIRE_LIMITS,
  chunkEmbeddings,
  chunkViews,
  checkBatchSpec,
  decodeEmbeddingChunk,
  decodeViewChunk,
  loadProtos,
  statusCodeOf,
  toServiceError,
  type EmbeddingChunk,
  type ViewChunk,
} from '@disco/dataplane';

const proto = loadProtos();
const embed = proto.disco.v1.Teacher.service.Embed;
const wireView = (c: ViewChunk) => embed.requestDeserialize(embed.requestSerialize(c));
const wireEmbedding = (c: EmbeddingChunk) => embed.responseDeserialize(embed.responseSerialize(c));
const batch = { run: 'r', epoch: 1, step: 2 };

test('view chunks: whole images per chunk, exact round trip, rejected images kept with their chunk', () => {
  const n = 7;
  const data = new Uint8Array(n * 4 * 5 * 3).map((_, i) => (i * 13) & 255);
  const rejected = [{ position: 5, index: 40, replacementIndex: 3, reason: 'corrupt', detail: 'x.jpg: bad' }];
  const chunks = chunkViews({ batch, leaseId: 'L', view: 2, batchSize: n, offset: 0, count: n, height: 4, width: 5, data, rejected }, 3 * 60 + 10);
  assert.deepEqual(chunks.map((c) => c.shape), [[3, 4, 5, 3], [3, 4, 5, 3], [1, 4, 5, 3]]);
  const out = Buffer.alloc(data.length);
  for (const c of chunks) {
    const d = decodeViewChunk(wireView(c), DEFAULT_WIRE_LIMITS);
    assert.equal(d.key, 'r/1/2');
    assert.equal(d.view, 2);
    d.data.copy(out, d.offset * 60);
    assert.deepEqual(d.rejected.map((r) => r.position), d.offset === 3 ? [5] : []);
  }
  assert.ok(out.equals(Buffer.from(data)));
});

test('embedding chunks: float32 round trip bit-exact, decode works on unaligned buffers', () => {
  const data = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i) / 3);
  const chunks = chunkEmbeddings({ batch, leaseId: 'L', view: 1, batchSize: 6, offset: 0, count: 6, dim: 5, data }, 4 * 5 * 4);
  assert.equal(chunks.length, 2);
  const out = new Float32Array(data.length);
  for (const c of chunks) {
    const wire = wireEmbedding(c);
    const shifted = Buffer.alloc(wire.data.length + 1).subarray(1); // byteOffset 1: unaligned
    wire.data.copy(shifted);
    const d = decodeEmbeddingChunk({ ...wire, data: shifted }, DEFAULT_WIRE_LIMITS);
    out.set(d.data, d.offset * 5);
  }
  assert.deepEqual(Array.from(out), Array.from(data));
});

test('decoding a received view chunk does not copy its pixels', () => {
  const data = new Uint8Array(2 * 8 * 8 * 3).fill(7);
  const [chunk] = chunkViews({ batch, leaseId: '', view: 1, batchSize: 2, offset: 0, count: 2, height: 8, width: 8, data }, 1 << 20);
  const msg = wireView(chunk);
  const d = decodeViewChunk(msg, DEFAULT_WIRE_LIMITS);
  assert.equal(d.data.buffer, msg.data.buffer);
});

const view = (): ViewChunk => chunkViews({ batch, leaseId: 'L', view: 1, batchSize: 4, offset: 0, count: 2, height: 2, width: 2, data: new Uint8Array(24) }, 1 << 20)[0];
const emb = (): EmbeddingChunk => chunkEmbeddings({ batch, leaseId: 'L', view: 1, batchSize: 4, offset: 0, count: 2, dim: 3, data: new Float32Array(6) }, 1 << 20)[0];

test('every view-chunk validation failure names its field, with its status code', () => {
  const limits = { ...DEFAULT_WIRE_LIMITS, maxChunkBytes: 1000 };
  const cases: [string, Partial<ViewChunk>, RegExp, status][] = [
    ['no batch', { batch: null }, /^batch: missing/, status.INVALID_ARGUMENT],
    ['empty run', { batch: { ...batch, run: '' } }, /^batch\.run: empty/, status.INVALID_ARGUMENT],
    ['long lease id', { leaseId: 'x'.repeat(200) }, /^lease_id:/, status.INVALID_ARGUMENT],
    ['view 0', { view: 0 }, /^view:/, status.INVALID_ARGUMENT],
    ['batch size 0', { batchSize: 0 }, /^batch_size:/, status.INVALID_ARGUMENT],
    ['batch size huge', { batchSize: 5000 }, /^batch_size: 5000 exceeds/, status.RESOURCE_EXHAUSTED],
    ['dtype', { dtype: 'DTYPE_FLOAT32' }, /^dtype:/, status.INVALID_ARGUMENT],
    ['unspecified dtype', { dtype: 'DTYPE_UNSPECIFIED' }, /^dtype:/, status.INVALID_ARGUMENT],
    ['data over the chunk limit', { data: Buffer.alloc(1001) }, /^data: 1001 exceeds/, status.RESOURCE_EXHAUSTED],
    ['rank 3', { shape: [2, 2, 6] }, /^shape:/, status.INVALID_ARGUMENT],
    ['1 channel', { shape: [2, 2, 6, 1] }, /^shape\[3\]:/, status.INVALID_ARGUMENT],
    ['height 0', { shape: [2, 0, 2, 3] }, /^shape\[1\]:/, status.INVALID_ARGUMENT],
    ['width too big', { shape: [1, 1, 2000, 3], data: Buffer.alloc(600) }, /^shape\[2\]: 2000 exceeds/, status.RESOURCE_EXHAUSTED],
    ['no rows', { shape: [0, 2, 2, 3], data: Buffer.alloc(0) }, /^shape\[0\]:/, status.INVALID_ARGUMENT],
    ['past the batch', { offset: 3 }, /^offset:/, status.INVALID_ARGUMENT],
    ['byte length', { data: Buffer.alloc(23) }, /^data: 23 bytes/, status.INVALID_ARGUMENT],
    ['reject outside', { rejected: [{ position: 3, index: 1, replacementIndex: 2, reason: 'corrupt', detail: '' }] }, /^rejected\[0\]\.position:/, status.INVALID_ARGUMENT],
  ];
  for (const [name, change, message, code] of cases) {
    assert.throws(
      () => decodeViewChunk(wireView({ ...view(), ...change }), limits),
      (err: Error) => message.test(err.message) && statusCodeOf(err) === code && toServiceError(err).code === code,
      name,
    );
  }
});

test('every embedding-chunk validation failure names its field, with its status code', () => {
  const cases: [string, Partial<EmbeddingChunk>, RegExp, status][] = [
    ['dtype', { dtype: 'DTYPE_UINT8' }, /^dtype:/, status.INVALID_ARGUMENT],
    ['rank', { shape: [2, 3, 1] }, /^shape:/, status.INVALID_ARGUMENT],
    ['dim 0', { shape: [2, 0], data: Buffer.alloc(0) }, /^shape\[1\]:/, status.INVALID_ARGUMENT],
    ['dim huge', { shape: [1, 70000], data: Buffer.alloc(280000) }, /^shape\[1\]: 70000 exceeds/, status.RESOURCE_EXHAUSTED],
    ['byte length', { data: Buffer.alloc(20) }, /^data: 20 bytes/, status.INVALID_ARGUMENT],
    ['view', { view: 3 }, /^view:/, status.INVALID_ARGUMENT],
    ['past the batch', { offset: 3 }, /^offset:/, status.INVALID_ARGUMENT],
  ];
  for (const [name, change, message, code] of cases) {
    assert.throws(() => decodeEmbeddingChunk(wireEmbedding({ ...emb(), ...change }), DEFAULT_WIRE_LIMITS), (err: Error) => message.test(err.message) && statusCodeOf(err) === code, name);
  }
});

test('batch specs: checked against limits and the receiver dataset', () => {
  const lease = proto.disco.v1.Coordinator.service.Lease;
  const spec = (s: object) => lease.responseDeserialize(lease.responseSerialize({ id: batch, indices: [0, 5, 9], runSeed: 3, size: 32, datasetSize: 10, ...s }));
  const ok = checkBatchSpec(spec({}), DEFAULT_WIRE_LIMITS, 10);
  assert.deepEqual(ok.indices, [0, 5, 9]);
  assert.equal(ok.key, 'r/1/2');
  const cases: [object, number, RegExp, status][] = [
    [{ id: null }, 10, /^id: missing/, status.INVALID_ARGUMENT],
    [{ indices: [] }, 10, /^indices: empty/, status.INVALID_ARGUMENT],
    [{ indices: new Array(5000).fill(0), datasetSize: 0 }, 10, /^indices: 5000 exceeds/, status.RESOURCE_EXHAUSTED],
    [{ size: 0 }, 10, /^size:/, status.INVALID_ARGUMENT],
    [{ size: 5000 }, 10, /^size: 5000 exceeds/, status.RESOURCE_EXHAUSTED],
    [{}, 11, /^dataset_size:/, status.FAILED_PRECONDITION],
    [{ indices: [1, 10], datasetSize: 0 }, 10, /^indices\[1\]:/, status.INVALID_ARGUMENT],
  ];
  for (const [change, size, message, code] of cases) {
    assert.throws(() => checkBatchSpec(spec(change), DEFAULT_WIRE_LIMITS, size), (err: Error) => message.test(err.message) && statusCodeOf(err) === code, message.source);
  }
});
