/**
 * The teacher on onnxruntime-node (`teacher.engine`): over real gRPC on localhost:0, Embed with
 * engine onnx returns the same L2-normalised embeddings as engine tfjs (imported PyTorch
 * weights, a view split across several forwards); `auto` picks onnx for eval-mode BN and tfjs,
 * with the reason logged, for batch-statistics BN or a missing runtime; `onnx` refuses what it
 * cannot serve. Needs onnxruntime-node (an optionalDependency installed from the lockfile).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { discoConfigSchema, loadConfig, type TeacherServiceConfig } from '@disco/config';
import { channelOptions, chunkViews, decodeEmbeddingChunk, DEFAULT_WIRE_LIMITS, loadProtos, type EmbeddingChunk__Output, type TeacherClient } from '@disco/dataplane';
import { start, type TeacherHandle } from '../src/main.ts';
import { TeacherEngineError, chooseTeacherEngine } from '../src/onnx_model.ts';

const N = 5;
const SIDE = 24;
const batch = { run: 'onnx', epoch: 0, step: 1 };
const CHECKPOINT = fileURLToPath(new URL('../../../test/fixtures/models/resnet18-cifar.pth', import.meta.url));

function pixels(seed: number): Uint8Array {
  const out = new Uint8Array(N * SIDE * SIDE * 3);
  for (let i = 0; i < out.length; i++) out[i] = (i * 37 + seed * 101 + ((i * i) >> 4)) & 255;
  return out;
}

function teacherConfig(engine: 'auto' | 'tfjs' | 'onnx', bnMode: 'eval' | 'batch' = 'eval') {
  return loadConfig(discoConfigSchema, {
    env: {},
    overrides: {
      teacher: { host: '127.0.0.1', port: 0, metricsPort: 0, model: 'resnet18-cifar', width: 0.0625, checkpoint: CHECKPOINT, bnMode, engine, maxImagesPerForward: 2 },
      drain: { graceMs: 2000 },
    },
  });
}

async function startTeacher(engine: 'auto' | 'tfjs' | 'onnx', bnMode: 'eval' | 'batch' = 'eval') {
  const logs: string[] = [];
  const handle = await start(teacherConfig(engine, bnMode), (line) => logs.push(line));
  const Teacher = loadProtos().disco.v1.Teacher;
  const client = new Teacher(`127.0.0.1:${handle.port}`, grpc.credentials.createInsecure(), channelOptions());
  after(async () => {
    client.close();
    await handle.close();
  });
  return { handle, client, logs };
}

/** Both views of one batch through Embed; returns [view 1, view 2] embeddings, [N, dim] each. */
function embedBoth(client: TeacherClient, dim: number, views: [Uint8Array, Uint8Array]): Promise<Float32Array[]> {
  return new Promise((resolve, reject) => {
    const out = [new Float32Array(N * dim), new Float32Array(N * dim)];
    const call = client.Embed({ deadline: Date.now() + 60_000 });
    call.on('data', (c: EmbeddingChunk__Output) => {
      const msg = decodeEmbeddingChunk(c, DEFAULT_WIRE_LIMITS);
      out[msg.view - 1].set(msg.data, msg.offset * dim);
    });
    call.on('error', reject);
    call.on('end', () => resolve(out));
    views.forEach((data, i) => {
      const view = (i + 1) as 1 | 2;
      for (const m of chunkViews({ batch, leaseId: 'L', view, batchSize: N, offset: 0, count: N, height: SIDE, width: SIDE, data }, 2 * SIDE * SIDE * 3)) call.write(m);
    });
    call.end();
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('Embed with engine onnx equals engine tfjs (imported weights, views split over forwards)', async () => {
  const onnx = await startTeacher('onnx');
  const tfjs = await startTeacher('tfjs');
  assert.match(onnx.handle.model.backend, /^onnxruntime-node /);
  assert.doesNotMatch(tfjs.handle.model.backend, /onnx/);
  assert.match(onnx.logs.join('\n'), /engine onnx → onnxruntime-node/);
  const dim = onnx.handle.model.embeddingDim;
  assert.equal(dim, tfjs.handle.model.embeddingDim);
  const views: [Uint8Array, Uint8Array] = [pixels(1), pixels(2)];
  const got = await embedBoth(onnx.client, dim, views);
  const want = await embedBoth(tfjs.client, dim, views);
  for (const v of [0, 1]) {
    const d = maxAbsDiff(got[v], want[v]);
    console.log(`# view ${v + 1}: max|Δ| onnx vs tfjs ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `view ${v + 1} differs by ${d}`);
    for (let r = 0; r < N; r++) assert.ok(Math.abs(Math.hypot(...got[v].subarray(r * dim, (r + 1) * dim)) - 1) < 1e-5, `row ${r} has unit norm`);
  }
  const body = await (await fetch(`http://127.0.0.1:${onnx.handle.metricsPort}/metrics`)).text();
  assert.match(body, /disco_teacher_info\{[^}]*backend="onnxruntime-node /);
});

test("engine auto serves eval-mode BN on onnx, and batch-statistics BN on tfjs with the reason logged", async () => {
  const evalMode = await startTeacher('auto');
  assert.match(evalMode.handle.model.backend, /^onnxruntime-node /);
  const batchMode = await startTeacher('auto', 'batch');
  assert.doesNotMatch(batchMode.handle.model.backend, /onnx/);
  assert.match(batchMode.logs.join('\n'), /engine auto → tfjs: bnMode 'batch' needs batch statistics/);
});

test("engine onnx refuses batch-statistics BN at start", async () => {
  await assert.rejects(start(teacherConfig('onnx', 'batch'), () => {}), (e: Error) => e instanceof TeacherEngineError && /bnMode 'batch'/.test(e.message));
});

test('without onnxruntime-node: auto falls back to tfjs with the reason, onnx fails with it', async () => {
  const missing = { available: false as const, reason: 'onnxruntime-node is not installed (an optional dependency: npm install --include=optional)' };
  const config = (engine: 'auto' | 'onnx' | 'tfjs'): TeacherServiceConfig => teacherConfig(engine).teacher;
  assert.deepEqual(await chooseTeacherEngine(config('auto'), missing), { engine: 'tfjs', reason: `engine auto → tfjs: ${missing.reason}` });
  assert.deepEqual(await chooseTeacherEngine(config('tfjs'), missing), { engine: 'tfjs', reason: 'engine tfjs (configured)' });
  await assert.rejects(chooseTeacherEngine(config('onnx'), missing), /teacher.engine 'onnx': onnxruntime-node is not installed/);
});
