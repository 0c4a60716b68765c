/**
 * The teacher checks its own output: embeddings with NaN or ±Inf never leave it. A teacher whose
 * weights went bad (one NaN in the projection head) fails each Embed call with INTERNAL naming
 * the batch and view, sends no embedding chunk, counts the view in
 * `disco_teacher_nonfinite_views_total`, leaks no tensor, and serves good calls again once its
 * weights are sound.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs-core';
import { discoConfigSchema, loadConfig } from '@disco/config';
import { channelOptions, chunkViews, listServicesByReflection, loadProtos, type EmbeddingChunk__Output, type TeacherClient, type ViewChunk } from '@disco/dataplane';
import { start } from '../src/main.ts';
import { NonFiniteEmbeddingError, checkFiniteEmbeddings } from '../src/embed_handler.ts';

const N = 4;
const SIDE = 16;
const batch = { run: 'nan', epoch: 1, step: 2 };

function views(): ViewChunk[] {
  return ([1, 2] as const).flatMap((view) =>
    chunkViews({ batch, leaseId: 'L', view, batchSize: N, offset: 0, count: N, height: SIDE, width: SIDE, data: new Uint8Array(N * SIDE * SIDE * 3).map((_, i) => (i * 7 + view * 13) & 255) }, 1 << 20),
  );
}

function embed(client: TeacherClient, messages: ViewChunk[]): Promise<{ chunks: EmbeddingChunk__Output[]; error?: grpc.ServiceError }> {
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

async function counter(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

test('checkFiniteEmbeddings names the first bad value and counts them all', () => {
  assert.doesNotThrow(() => checkFiniteEmbeddings(new Float32Array([0, 1, -1, 3e38]), 2, 'r/0/0', 1));
  const data = new Float32Array([0.5, 0.5, 0.5, Infinity, NaN, -Infinity]); // [3, 2]
  assert.throws(
    () => checkFiniteEmbeddings(data, 2, 'r/0/1', 2),
    (err: unknown) =>
      err instanceof NonFiniteEmbeddingError &&
      err.batch === 'r/0/1' &&
      err.view === 2 &&
      /^teacher embeddings of batch r\/0\/1 view 2 are not finite: 3 of 6 values are NaN or infinite \(first: row 1, dim 1 = Infinity\)/.test(err.message),
  );
});

test('a teacher with a NaN weight refuses to send its embeddings (INTERNAL), counts them, and recovers', async () => {
  const config = loadConfig(discoConfigSchema, {
    env: {},
    overrides: {
      teacher: { host: '127.0.0.1', port: 0, metricsPort: 0, model: 'resnet18-cifar', width: 0.125, headHidden: 16, embedDim: 8, seed: 5, engine: 'tfjs' },
      drain: { graceMs: 2000 },
    },
  });
  const handle = await start(config);
  const client = new (loadProtos().disco.v1.Teacher)(`127.0.0.1:${handle.port}`, grpc.credentials.createInsecure(), channelOptions());
  after(async () => {
    client.close();
    await handle.close();
  });

  const good = await embed(client, views());
  assert.equal(good.error, undefined);
  assert.deepEqual((await listServicesByReflection(`127.0.0.1:${handle.port}`)).sort(), ['disco.v1.Teacher', 'grpc.health.v1.Health'], 'server reflection lists the services this role serves');
  assert.equal(good.chunks.length, 2);

  // Poison one bias of the projection head's last layer.
  const bias = handle.model.encoder.namedTensors().filter((t) => t.kind === 'param' && t.variable.shape.length === 1).at(-1)!;
  const sound = bias.variable.clone(); // [D]
  const poisoned = tf.tidy(() => tf.where(tf.equal(tf.range(0, bias.variable.shape[0], 1, 'int32'), 0), tf.fill(bias.variable.shape, NaN), bias.variable)); // [D]
  bias.variable.assign(poisoned);
  poisoned.dispose();

  const tensorsBefore = tf.memory().numTensors;
  const before = await counter(handle.metricsPort, 'disco_teacher_nonfinite_views_total');
  const bad = await embed(client, views());
  assert.ok(bad.error, 'the call fails');
  assert.equal(bad.error.code, grpc.status.INTERNAL, bad.error.details);
  assert.match(bad.error.details, /^teacher embeddings of batch nan\/1\/2 view 1 are not finite: 32 of 32 values are NaN or infinite/);
  assert.equal(bad.chunks.length, 0, 'no embedding chunk was sent');
  assert.equal(await counter(handle.metricsPort, 'disco_teacher_nonfinite_views_total'), before + 1);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaked');

  bias.variable.assign(sound);
  sound.dispose();
  const again = await embed(client, views());
  assert.equal(again.error, undefined);
  assert.deepEqual(again.chunks.map((c) => c.shape[0]), [N, N]);
});
