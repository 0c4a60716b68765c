/** The join: assembly of views + embeddings per batch id, completeness, duplicates, unknowns, budget. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import {
  BatchJoin,
  BufferPool,
  DEFAULT_WIRE_LIMITS,
  chunkEmbeddings,
  chunkViews,
  decodeEmbeddingChunk,
  decodeViewChunk,
  statusCodeOf,
  type EmbeddingChunkData,
  type ViewChunkData,
} from '@disco/dataplane';

const N = 3;
const H = 2;
const D = 4;

function chunksOf(step: number, leaseId = 'L'): (ViewChunkData | EmbeddingChunkData)[] {
  const batch = { run: 'r', epoch: 0, step };
  const out: (ViewChunkData | EmbeddingChunkData)[] = [];
  for (const view of [1, 2] as const) {
    const pixels = new Uint8Array(N * H * H * 3).map((_, i) => i + view);
    for (const c of chunkViews({ batch, leaseId, view, batchSize: N, offset: 0, count: N, height: H, width: H, data: pixels }, 2 * H * H * 3)) {
      out.push(decodeViewChunk({ ...c, data: c.data as Buffer, rejected: [] } as never, DEFAULT_WIRE_LIMITS));
    }
    const emb = Float32Array.from({ length: N * D }, (_, i) => i * view);
    for (const c of chunkEmbeddings({ batch, leaseId, view, batchSize: N, offset: 0, count: N, dim: D, data: emb }, 2 * D * 4)) {
      out.push(decodeEmbeddingChunk(c as never, DEFAULT_WIRE_LIMITS));
    }
  }
  return out;
}

const join = (known: (key: string) => boolean = () => true, maxPendingBytes = 1 << 20) => new BatchJoin({ known, maxPendingBytes, maxBatchBytes: 1 << 20 });

test('complete only when both views and both embeddings are in, in any order', () => {
  const j = join();
  const chunks = chunksOf(0).reverse();
  chunks.slice(0, -1).forEach((c) => assert.deepEqual(j.accept(c), { complete: false }));
  const last = j.accept(chunks[chunks.length - 1]);
  assert.ok(last.complete);
  const b = last.batch;
  assert.equal(b.key, 'r/0/0');
  assert.deepEqual([b.batchSize, b.height, b.width, b.dim], [N, H, H, D]);
  assert.deepEqual(Array.from(b.views[1].subarray(0, 3)), [2, 3, 4]);
  assert.deepEqual(Array.from(b.embeddings[1].subarray(0, 3)), [0, 2, 4]);
  assert.equal(j.take('r/0/0'), b);
  assert.equal(j.take('r/0/0'), undefined);
  assert.deepEqual(j.stats(), { partial: 0, complete: 0, pendingBytes: 0 });
});

test('duplicates, unknown batches and mismatches are refused with their codes', () => {
  const j = join((key) => key !== 'r/0/9');
  const [v0] = chunksOf(0);
  j.accept(v0);
  assert.throws(() => j.accept(v0), (e: Error) => /^offset:/.test(e.message) && statusCodeOf(e) === status.INVALID_ARGUMENT);
  assert.throws(() => j.accept(chunksOf(9)[0]), (e: Error) => /^batch: r\/0\/9/.test(e.message) && statusCodeOf(e) === status.INVALID_ARGUMENT);
  const other = { ...chunksOf(0)[1], batchSize: N + 1 };
  assert.throws(() => j.accept(other as ViewChunkData), (e: Error) => /^batch_size:/.test(e.message));
  const emb = chunksOf(0).find((c) => 'dim' in c)! as EmbeddingChunkData;
  j.accept(emb);
  assert.throws(() => j.accept({ ...emb, offset: 2, count: 1, dim: D + 1, data: new Float32Array(D + 1) }), (e: Error) => /^shape\[1\]:/.test(e.message));
  for (const c of chunksOf(1)) j.accept(c);
  assert.throws(() => j.accept(chunksOf(1)[0]), (e: Error) => statusCodeOf(e) === status.ALREADY_EXISTS);
});

test('two leases of one batch: the first to complete wins, the other is dropped', () => {
  const j = join();
  const a = chunksOf(0, 'A');
  const b = chunksOf(0, 'B');
  j.accept(b[0]);
  a.forEach((c) => j.accept(c));
  assert.equal(j.stats().partial, 0, "B's partial state was freed");
  assert.throws(() => j.accept(b[1]), (e: Error) => statusCodeOf(e) === status.ALREADY_EXISTS);
});

test('the pending-bytes budget is enforced (RESOURCE_EXHAUSTED) and abandon frees memory', () => {
  const one = N * H * H * 3;
  const j = join(() => true, 2 * one + 1);
  const [v1] = chunksOf(0);
  j.accept(v1);
  j.accept(chunksOf(1)[0]);
  assert.throws(() => j.accept(chunksOf(2)[0]), (e: Error) => /^batch: .* budget/.test(e.message) && statusCodeOf(e) === status.RESOURCE_EXHAUSTED);
  j.abandon('r/0/1', 'L');
  assert.equal(j.stats().pendingBytes, one);
  j.accept(chunksOf(2)[0]);
});

test('view buffers come from the pool: a consumed batch\'s views and an abandoned delivery\'s are reused, bit-correct', () => {
  const pool = new BufferPool(4);
  const j = new BatchJoin({ known: () => true, maxPendingBytes: 1 << 20, maxBatchBytes: 1 << 20, pool });
  let first;
  for (const c of chunksOf(0)) {
    const r = j.accept(c);
    if (r.complete) first = r.batch;
  }
  assert.ok(first);
  assert.equal(pool.allocated, 2);
  const buffers = first.views.map((v) => v.buffer);
  j.take(first.key);
  for (const v of first.views) pool.give(v); // the consumer is done with it
  assert.equal(pool.size, 2);
  // The next batch fills the same memory, and its pixels are its own.
  let second;
  for (const c of chunksOf(1)) {
    const r = j.accept(c);
    if (r.complete) second = r.batch;
  }
  assert.ok(second);
  assert.equal(pool.reused, 2);
  assert.deepEqual(new Set(second.views.map((v) => v.buffer)), new Set(buffers));
  assert.deepEqual([...second.views[0]], [...new Uint8Array(N * H * H * 3).map((_, i) => i + 1)]);
  assert.deepEqual([...second.views[1]], [...new Uint8Array(N * H * H * 3).map((_, i) => i + 2)]);
  // A delivery abandoned half-way gives its buffers back.
  const partial = chunksOf(2, 'L2');
  j.accept(partial[0]);
  assert.equal(pool.size, 0);
  j.abandon('r/0/2', 'L2');
  assert.equal(pool.size, 1);
  // Bounded, and a view into a larger buffer is not kept.
  for (let i = 0; i < 10; i++) pool.give(new ArrayBuffer(N * H * H * 3));
  pool.give(Buffer.from('tiny'));
  assert.equal(pool.size, 4);
});
