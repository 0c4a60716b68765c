/**
 * Hostile input against the real teacher and augment roles, each its own process on localhost:0
 * with a 1 MiB message limit (started by path: libs never import services). Complements
 * services/teacher/test/embed.test.ts and services/augment/test/service.test.ts (dtype,
 * channels, short data, view number, missing id, size and batch limits, duplicate chunks,
 * bad specs) with: oversize messages, undecodable bytes, disagreeing chunks, offsets past the
 * batch, non-finite and absurd augmentation parameters. Each is refused with its exact code
 * naming the field, counted in /metrics, and a good request afterwards succeeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  channelOptions,
  chunkViews,
  loadProtos,
  spawnRole,
  type AugmentClient,
  type BatchSpec,
  type EmbeddingChunk__Output,
  type SpawnedRole,
  type TeacherClient,
  type ViewChunk,
  type ViewChunk__Output,
} from '@disco/dataplane';
import { REPO_ROOT, writeIdxImages } from './hostile_fixtures.ts';

const MiB = 1024 * 1024;
const LIMITS = ['--dataplane.max-message-bytes', String(MiB), '--dataplane.chunk-bytes', String(512 * 1024), '--dataplane.max-batch-size', '16', '--dataplane.max-side', '64'];
const N = 3;
const SIDE = 8;

let teacher: SpawnedRole;
let augment: SpawnedRole;
const closers: (() => void)[] = [];

before(async () => {
  const data = writeIdxImages(12, 16);
  closers.push(() => data.remove());
  [teacher, augment] = await Promise.all([
    spawnRole({
      script: join(REPO_ROOT, 'services/teacher/src/main.ts'),
      args: ['--teacher.host', '127.0.0.1', '--teacher.port', '0', '--teacher.metrics-port', '0', '--teacher.model', 'resnet18-cifar', '--teacher.width', '0.125',
        '--teacher.head-hidden', '8', '--teacher.embed-dim', '4', ...LIMITS],
    }),
    spawnRole({
      script: join(REPO_ROOT, 'services/augment/src/main.ts'),
      args: ['--augment.host', '127.0.0.1', '--augment.port', '0', '--augment.metrics-port', '0', '--augment.dataset', data.dir, ...LIMITS],
    }),
  ]);
  closers.push(() => teacher.child.kill('SIGKILL'), () => augment.child.kill('SIGKILL'));
});
after(() => closers.forEach((close) => close()));

interface Refusal {
  code: grpc.status;
  details: string;
}

async function metric(role: SpawnedRole, method: string, code: string): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${role.info.metricsPort}/metrics`)).text();
  return Number(new RegExp(`grpc_server_handled_total\\{[^}]*grpc_method="${method}"[^}]*grpc_code="${code}"[^}]*\\} (\\d+)`).exec(body)?.[1] ?? 0);
}

function embed(client: TeacherClient, messages: ViewChunk[]): Promise<{ rows: number; error?: Refusal }> {
  return new Promise((resolve) => {
    let rows = 0;
    const call = client.Embed({ deadline: Date.now() + 30_000 });
    call.on('data', (c: EmbeddingChunk__Output) => (rows += c.shape[0]));
    call.on('error', (e: grpc.ServiceError) => resolve({ rows, error: { code: e.code, details: e.details } }));
    call.on('end', () => resolve({ rows }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function rawCall(address: string, path: string, kind: 'bidi' | 'server', bytes: Buffer): Promise<Refusal> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const id = (b: Buffer) => b;
  return new Promise((resolve) => {
    const done = (e: grpc.ServiceError) => {
      client.close();
      resolve({ code: e.code, details: e.details });
    };
    if (kind === 'server') {
      client.makeServerStreamRequest(path, id, id, bytes, { deadline: Date.now() + 10_000 }).on('data', () => undefined).on('error', done);
    } else {
      const call = client.makeBidiStreamRequest(path, id, id, { deadline: Date.now() + 10_000 });
      call.on('data', () => undefined).on('error', done);
      call.write(bytes);
      call.end();
    }
  });
}

test('teacher: oversize, undecodable and self-contradicting Embed calls are refused and counted; it keeps serving', async () => {
  const client = new (loadProtos().disco.v1.Teacher)(`127.0.0.1:${teacher.info.port}`, grpc.credentials.createInsecure(), channelOptions({ maxMessageBytes: 4 * MiB })) as TeacherClient;
  after(() => client.close());
  const batch = { run: 'hostile', epoch: 0, step: 1 };
  const view = (v: 1 | 2, side = SIDE, leaseId = 'L') =>
    chunkViews({ batch, leaseId, view: v, batchSize: N, offset: 0, count: N, height: side, width: side, data: new Uint8Array(N * side * side * 3).fill(40 * v) }, MiB)[0];
  const good = [view(1), view(2)];
  const cases: [string, ViewChunk[], grpc.status, RegExp][] = [
    ['message over the 1 MiB gRPC limit', [{ ...good[0], data: Buffer.alloc(MiB + 1) }], grpc.status.RESOURCE_EXHAUSTED, /larger than max/],
    ['chunk over the wire chunk limit', [{ ...good[0], data: Buffer.alloc(MiB - 60 * 1024) }], grpc.status.RESOURCE_EXHAUSTED, /^data: \d+ exceeds the chunk size limit/],
    ['views of different sizes', [good[0], view(2, SIDE + 2)], grpc.status.INVALID_ARGUMENT, /^shape: 10×10 images after earlier chunks of 8×8/],
    ['lease changes mid-call', [good[0], view(2, SIDE, 'M')], grpc.status.INVALID_ARGUMENT, /^lease_id: 'M' in a call under lease 'L'/],
    ['batch size changes mid-call', [good[0], { ...good[1], batchSize: N + 1 }], grpc.status.INVALID_ARGUMENT, /^batch_size: 4 after earlier chunks said 3/],
    ['rows past the batch', [{ ...good[0], offset: 2 }], grpc.status.INVALID_ARGUMENT, /^offset: rows \[2, 5\) run past batch_size 3/],
    ['side over the limit', [{ ...good[0], shape: [1, 65, 1, 3], data: Buffer.alloc(195) }], grpc.status.RESOURCE_EXHAUSTED, /^shape\[1\]: 65 exceeds the side limit/],
    ['empty run name', [{ ...good[0], batch: { ...batch, run: '' } }], grpc.status.INVALID_ARGUMENT, /^batch\.run: empty/],
    ['nothing sent', [], grpc.status.INVALID_ARGUMENT, /^batch: \(none\) incomplete at half-close: no chunks/],
  ];
  for (const [name, messages, code, details] of cases) {
    const { error } = await embed(client, messages);
    assert.ok(error, `${name}: expected an error`);
    assert.equal(error.code, code, `${name}: ${error.details}`);
    assert.match(error.details, details, name);
  }
  const undecodable = await rawCall(`127.0.0.1:${teacher.info.port}`, '/disco.v1.Teacher/Embed', 'bidi', Buffer.from([0x32, 0x05, 0x01]));
  assert.equal(undecodable.code, grpc.status.INTERNAL, undecodable.details);
  assert.equal(await metric(teacher, 'Embed', 'InvalidArgument'), cases.filter(([, , c]) => c === grpc.status.INVALID_ARGUMENT).length);
  // grpc-js's own refusals (oversize, undecodable) are counted with their codes too, not as Cancelled.
  assert.equal(await metric(teacher, 'Embed', 'ResourceExhausted'), cases.filter(([, , c]) => c === grpc.status.RESOURCE_EXHAUSTED).length);
  assert.equal(await metric(teacher, 'Embed', 'Internal'), 1);
  assert.equal(await metric(teacher, 'Embed', 'Cancelled'), 0);

  const ok = await embed(client, good);
  assert.equal(ok.error, undefined, 'a good call after the hostile ones');
  assert.equal(ok.rows, 2 * N);
});

test('augment: oversize, undecodable, non-finite and absurd specs are refused and counted; it keeps serving', async () => {
  const client = new (loadProtos().disco.v1.Augment)(`127.0.0.1:${augment.info.port}`, grpc.credentials.createInsecure(), channelOptions({ maxMessageBytes: 4 * MiB })) as AugmentClient;
  after(() => client.close());
  const call = (spec: BatchSpec) =>
    new Promise<{ chunks: number; error?: Refusal }>((resolve) => {
      let chunks = 0;
      client.Augment(spec, { deadline: Date.now() + 20_000 })
        .on('data', (_c: ViewChunk__Output) => chunks++)
        .on('error', (e: grpc.ServiceError) => resolve({ chunks, error: { code: e.code, details: e.details } }))
        .on('end', () => resolve({ chunks }));
    });
  const good: BatchSpec = { id: { run: 'hostile', epoch: 0, step: 0 }, indices: [1, 2, 3], runSeed: 4, size: SIDE, datasetSize: 12 };
  const params = { cropScaleMin: 0.2, cropScaleMax: 1, cropRatioMin: 0.75, cropRatioMax: 4 / 3, cropAttempts: 10, blurSigmaMin: 0.1, blurSigmaMax: 2 };
  const cases: [string, Partial<BatchSpec>, grpc.status, RegExp][] = [
    ['message over the 1 MiB gRPC limit', { indices: new Array(600_000).fill(300) }, grpc.status.RESOURCE_EXHAUSTED, /larger than max/],
    ['NaN crop scale', { params: { ...params, cropScaleMin: NaN } }, grpc.status.INVALID_ARGUMENT, /^params: .*cropScale/],
    ['infinite brightness', { params: { ...params, brightness: Infinity } }, grpc.status.INVALID_ARGUMENT, /^params: .*brightness/],
    ['a billion crop attempts', { params: { ...params, cropAttempts: 1e9 } }, grpc.status.INVALID_ARGUMENT, /^params: .*cropAttempts/],
    ['negative lease deadline', { leaseDeadlineUnixMs: -5 }, grpc.status.INVALID_ARGUMENT, /^lease_deadline_unix_ms: negative/],
    ['size 0', { size: 0 }, grpc.status.INVALID_ARGUMENT, /^size: must be at least 1/],
    ['run name of 10 000 characters', { id: { run: 'r'.repeat(10_000), epoch: 0, step: 0 } }, grpc.status.INVALID_ARGUMENT, /^id\.run: longer than 128/],
  ];
  for (const [name, change, code, details] of cases) {
    const { error, chunks } = await call({ ...good, ...change });
    assert.ok(error, `${name}: expected an error`);
    assert.equal(error.code, code, `${name}: ${error.details}`);
    assert.match(error.details, details, name);
    assert.equal(chunks, 0, `${name}: nothing augmented`);
  }
  const undecodable = await rawCall(`127.0.0.1:${augment.info.port}`, '/disco.v1.Augment/Augment', 'server', Buffer.from([0x12, 0xff]));
  assert.equal(undecodable.code, grpc.status.INTERNAL, undecodable.details);
  assert.equal(await metric(augment, 'Augment', 'InvalidArgument'), cases.filter(([, , c]) => c === grpc.status.INVALID_ARGUMENT).length);

  assert.deepEqual(await call(good), { chunks: 2 }, 'a good call after the hostile ones');
});
