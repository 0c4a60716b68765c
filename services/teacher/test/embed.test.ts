/**
 * The teacher over real gRPC on localhost:0: embeddings equal a direct forward of the same
 * encoder (eval and batch BN), every validation failure has its exact status code, tensors are
 * not leaked, and the standard metrics count the calls.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs-core';
import { discoConfigSchema, loadConfig } from '@disco/config';
import {
  channelOptions,
  chunkViews,
  decodeEmbeddingChunk,
  DEFAULT_WIRE_LIMITS,
  loadProtos,
  type EmbeddingChunk__Output,
  type TeacherClient,
  type ViewChunk,
} from '@disco/dataplane';
import { toModelInput } from '@disco/models';
import { start, type TeacherHandle } from '../src/main.ts';
import { l2Normalize } from '../src/model.ts';

const N = 5;
const SIDE = 16;
const batch = { run: 'test', epoch: 0, step: 3 };

function pixels(seed: number): Uint8Array {
  const out = new Uint8Array(N * SIDE * SIDE * 3);
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + seed * 97 + ((i * i) >> 3)) & 255;
  return out;
}

function viewChunks(view: 1 | 2, data: Uint8Array, leaseId = 'L1'): ViewChunk[] {
  // 2 images per chunk: exercises offsets and a short last chunk.
  return chunkViews({ batch, leaseId, view, batchSize: N, offset: 0, count: N, height: SIDE, width: SIDE, data }, 2 * SIDE * SIDE * 3);
}

interface EmbedResult {
  chunks: EmbeddingChunk__Output[];
  error?: grpc.ServiceError;
}

function embed(client: TeacherClient, messages: ViewChunk[]): Promise<EmbedResult> {
  return new Promise((resolve) => {
    const chunks: EmbeddingChunk__Output[] = [];
    const call = client.Embed({ deadline: Date.now() + 30_000 });
    call.on('data', (c: EmbeddingChunk__Output) => chunks.push(c));
    call.on('error', (error: grpc.ServiceError) => resolve({ chunks, error }));
    call.on('end', () => resolve({ chunks }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function assemble(chunks: EmbeddingChunk__Output[], view: 1 | 2, dim: number): Float32Array {
  const out = new Float32Array(N * dim);
  for (const msg of chunks.map((c) => decodeEmbeddingChunk(c, DEFAULT_WIRE_LIMITS))) {
    if (msg.view === view) out.set(msg.data, msg.offset * dim);
  }
  return out;
}

async function startTiny(bnMode: 'eval' | 'batch'): Promise<{ handle: TeacherHandle; client: TeacherClient }> {
  const config = loadConfig(discoConfigSchema, {
    env: {},
    overrides: {
      teacher: { host: '127.0.0.1', port: 0, metricsPort: 0, model: 'resnet18-cifar', width: 0.125, headHidden: 32, embedDim: 16, seed: 11, bnMode, engine: 'tfjs' },
      drain: { graceMs: 2000 },
    },
  });
  const handle = await start(config);
  const Teacher = loadProtos().disco.v1.Teacher;
  const client = new Teacher(`127.0.0.1:${handle.port}`, grpc.credentials.createInsecure(), channelOptions());
  after(async () => {
    client.close();
    await handle.close();
  });
  return { handle, client };
}

function direct(handle: TeacherHandle, data: Uint8Array, bn: 'eval' | 'batch'): Float32Array {
  return tf.tidy(() => {
    const x = toModelInput(data, [N, SIDE, SIDE, 3]); // [N, 16, 16, 3]
    return l2Normalize(handle.model.encoder.forward(x, { bn }) as tf.Tensor2D).dataSync() as Float32Array; // [N, 16]
  });
}

for (const bn of ['eval', 'batch'] as const) {
  test(`Embed (${bn} BN) returns the direct forward's L2-normalised embeddings, by batch id`, async () => {
    const { handle, client } = await startTiny(bn);
    const v1 = pixels(1);
    const v2 = pixels(2);
    const tensorsBefore = tf.memory().numTensors;
    // Views interleaved, as a worker sends them.
    const a = viewChunks(1, v1);
    const b = viewChunks(2, v2);
    const messages = a.flatMap((c, i) => [c, b[i]]);
    const { chunks, error } = await embed(client, messages);
    assert.equal(error, undefined);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    for (const c of chunks) {
      assert.deepEqual(c.batch, batch);
      assert.equal(c.leaseId, 'L1');
      assert.equal(c.dtype, 'DTYPE_FLOAT32');
    }
    const dim = handle.model.embeddingDim;
    const got1 = assemble(chunks, 1, dim);
    const got2 = assemble(chunks, 2, dim);
    const want1 = direct(handle, v1, bn);
    const want2 = direct(handle, v2, bn);
    assert.deepEqual(Array.from(got1), Array.from(want1));
    assert.deepEqual(Array.from(got2), Array.from(want2));
    for (let r = 0; r < N; r++) {
      const norm = Math.hypot(...got1.subarray(r * dim, (r + 1) * dim));
      assert.ok(Math.abs(norm - 1) < 1e-5, `row ${r} norm ${norm}`);
    }
  });
}

test('Embed refuses bad input with exact codes and field names; metrics count them', async () => {
  const { handle, client } = await startTiny('eval');
  const good = [...viewChunks(1, pixels(1)), ...viewChunks(2, pixels(2))];
  const cases: [string, ViewChunk[], grpc.status, RegExp][] = [
    ['wrong dtype', [{ ...good[0], dtype: 'DTYPE_FLOAT32' }], grpc.status.INVALID_ARGUMENT, /^dtype:/],
    ['4 channels', [{ ...good[0], shape: [2, SIDE, SIDE, 4] }], grpc.status.INVALID_ARGUMENT, /^shape\[3\]:/],
    ['short data', [{ ...good[0], data: Buffer.alloc(10) }], grpc.status.INVALID_ARGUMENT, /^data:/],
    ['view 3', [{ ...good[0], view: 3 }], grpc.status.INVALID_ARGUMENT, /^view:/],
    ['no batch id', [{ ...good[0], batch: null }], grpc.status.INVALID_ARGUMENT, /^batch: missing/],
    ['huge side', [{ ...good[0], shape: [1, 5000, 1, 3], data: Buffer.alloc(15000) }], grpc.status.RESOURCE_EXHAUSTED, /^shape\[1\]:/],
    ['huge batch', [{ ...good[0], batchSize: 100_000 }], grpc.status.RESOURCE_EXHAUSTED, /^batch_size:/],
    ['duplicate chunk', [good[0], good[0]], grpc.status.INVALID_ARGUMENT, /^offset:/],
    ['two batch ids', [good[0], { ...good[1], batch: { ...batch, step: 4 } }], grpc.status.INVALID_ARGUMENT, /^batch:/],
    ['incomplete', good.slice(0, -1), grpc.status.INVALID_ARGUMENT, /^batch: .*incomplete/],
  ];
  for (const [name, messages, code, details] of cases) {
    const { error } = await embed(client, messages);
    assert.ok(error, `${name}: expected an error`);
    assert.equal(error.code, code, `${name}: ${error.details}`);
    assert.match(error.details, details, name);
  }
  const body = await (await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`)).text();
  assert.match(body, /grpc_server_handled_total\{[^}]*grpc_method="Embed"[^}]*grpc_code="InvalidArgument"[^}]*\} 8/);
  assert.match(body, /grpc_server_handled_total\{[^}]*grpc_method="Embed"[^}]*grpc_code="ResourceExhausted"[^}]*\} 2/);
  assert.match(body, /disco_teacher_info\{[^}]*backend="/);
});
