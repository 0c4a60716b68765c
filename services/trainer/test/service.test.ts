/**
 * The trainer service in-process on localhost:0, fed by synthetic workers over real gRPC: trains
 * every batch once in plan order and exports; Status, health and /metrics report it; duplicates
 * are dropped and counted; an expired lease is leased again; Stop checkpoints and a restarted
 * trainer resumes there without training anything twice; a wrong teacher dimension fails the
 * run naming the batch; no tensors leak.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadConfig } from '@disco/config';
import { channelOptions, listServicesByReflection, loadProtos, type HealthClient, type StatusReply__Output } from '@disco/dataplane';
import { start, readCheckpoint, readRecord, trainerConfigSchema } from '../src/main.ts';
import { SyntheticWorker, coordinatorClient, deliver, deliveriesFor } from './synthetic_worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'disco-trainer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => undefined;

// Whatever a test started is closed after the file, also when the test failed half-way (an
// open gRPC server or lease stream would keep this process, and CI, waiting forever).
const opened: (() => unknown)[] = [];
after(async () => {
  for (const close of opened.reverse()) await close();
});
async function startTrainer(...args: Parameters<typeof start>): ReturnType<typeof start> {
  const handle = await start(...args);
  opened.push(() => handle.close());
  return handle;
}
function syntheticWorker(options: ConstructorParameters<typeof SyntheticWorker>[0]): SyntheticWorker {
  const worker = new SyntheticWorker(options);
  opened.push(() => worker.close());
  return worker;
}

const DATASET = 40;
function configOverrides(run: string, overrides: Record<string, unknown> = {}, dataplane: Record<string, unknown> = {}) {
  return {
      trainer: { host: '127.0.0.1', port: 0, metricsPort: 0, run, runDir: join(dir, run), seed: 5, epochs: 2, batchSize: 4, size: 8, model: 'resnet18-cifar', width: 0.0625, datasetSize: DATASET, limitImages: 16, checkpointEvery: 3, knnBank: 60, knnQueries: 40, ...overrides },
      algo: { k: 16, headHidden: 16, embedDim: 8, ghostBatchSize: 2 },
      dataplane: { window: 3, ...dataplane },
      drain: { graceMs: 2000 },
  };
}
function config(run: string, overrides: Record<string, unknown> = {}, dataplane: Record<string, unknown> = {}) {
  return loadConfig(trainerConfigSchema, { env: {}, overrides: configOverrides(run, overrides, dataplane) });
}
const TOTAL = 8; // 16 images / 4 = 4 steps × 2 epochs
const planned = (run: string) => Array.from({ length: TOTAL }, (_, i) => `${run}/${Math.floor(i / 4)}/${i % 4}`);

function status(port: number): Promise<StatusReply__Output> {
  const client = coordinatorClient(port);
  return new Promise((resolve, reject) => client.Status({}, { deadline: Date.now() + 5000 }, (err, s) => (client.close(), err ? reject(err) : resolve(s!))));
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('trains every planned batch once, in order; Status, health, /metrics; duplicates dropped and counted; no tensors leak', async () => {
  const handle = await startTrainer(config('a'), quiet);
  const health = new (loadProtos().grpc.health.v1.Health)(`127.0.0.1:${handle.port}`, grpc.credentials.createInsecure(), channelOptions()) as HealthClient;
  const served = await new Promise<string>((resolve, reject) => health.Check({ service: 'disco.v1.Coordinator' }, (err, r) => (err ? reject(err) : resolve(r!.status as string))));
  health.close();
  assert.equal(served, 'SERVING');
  const listed = await listServicesByReflection(`127.0.0.1:${handle.port}`);
  assert.deepEqual([...listed].sort(), ['disco.v1.Coordinator', 'grpc.health.v1.Health'], 'the services this role serves, no other');

  const worker = syntheticWorker({ port: handle.port, workerId: 'w1', datasetSize: DATASET, credits: 2, dim: 8 });
  await waitFor('2 trained steps', () => readRecord(join(handle.runDir, 'record.jsonl')).length >= 2);
  const s = await status(handle.port);
  assert.equal(s.run, 'a');
  assert.ok(['TRAINING', 'DONE'].includes(s.state));
  assert.equal(s.epochs, 2);
  assert.equal(s.stepsPerEpoch, 4);
  assert.ok(s.globalStep >= 2 && s.imagesPerSecond > 0 && s.losses.contrastive !== undefined && s.losses.distill1 !== undefined && s.lr > 0);
  // A second delivery of a batch already trained is dropped (and counted).
  const first = worker.specs[0];
  assert.equal((await deliver(worker.client, deliveriesFor(first, 8))).outcome, 'DUPLICATE');

  const outcome = await handle.finished;
  assert.equal(outcome.state, 'DONE');
  const record = readRecord(join(handle.runDir, 'record.jsonl'));
  assert.deepEqual(record.map((r) => r.batch), planned('a'));
  assert.ok(existsSync(join(handle.runDir, 'export', 'student.safetensors')) && existsSync(join(handle.runDir, 'export', 'student-tfjs', 'model.json')));

  const metrics = await (await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`)).text();
  for (const [name, label] of [
    ['disco_trainer_step_seconds_count', 'phase="data_wait"'],
    ['disco_trainer_step_seconds_count', 'phase="compute"'],
    ['disco_trainer_images_per_second', ''],
    ['disco_trainer_loss', 'term="contrastive"'],
    ['disco_trainer_loss', 'term="distill2"'],
    ['disco_trainer_loss', 'term="total"'],
    ['disco_trainer_learning_rate', ''],
    ['disco_trainer_key_queue_fill_ratio', ''],
    ['disco_trainer_window_batches', 'state="leased"'],
    ['disco_trainer_batches_released_total', ''],
    ['disco_trainer_global_step', ''],
    ['grpc_server_handled_total', 'grpc_method="Deliver"'],
    ['disco_trainer_knn_accuracy_ratio', 'top="1"'],
    ['disco_trainer_knn_accuracy_ratio', 'top="5"'],
    ['disco_trainer_tensor_bytes', ''],
  ]) {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    assert.ok(line, `/metrics has ${name}{${label}}`);
  }
  assert.match(metrics, /disco_trainer_duplicates_dropped_total\{[^}]*\} 1\n/);
  assert.match(metrics, /disco_trainer_images_total\{[^}]*\} 32\n/);
  assert.match(metrics, /disco_trainer_nonfinite_loss_total\{[^}]*\} 0\n/);
  assert.match(metrics, /disco_trainer_run_state\{[^}]*state="DONE"[^}]*\} 1\n/);
  assert.match(metrics, /disco_trainer_run_state\{[^}]*state="TRAINING"[^}]*\} 0\n/);
  // The engine thread holds the same tensors after every step: nothing leaks across steps.
  const tensors = new Set(record.map((r) => r.tensors));
  assert.equal(tensors.size, 1, `live tensors per step: ${[...tensors]}`);
  assert.ok([...tensors][0]! > 0);
  // The online kNN ran after each epoch, on the bundled sample's labels (bank 60, queries 40).
  const final = await status(handle.port);
  assert.equal(final.knnEpoch, 2, 'Status carries the latest online kNN');
  const knn = readFileSync(join(handle.runDir, 'knn.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(knn.map((k) => [k.epoch, k.bank, k.queries]), [[1, 60, 40], [2, 60, 40]]);
  for (const k of knn) assert.ok(k.top1 >= 0 && k.top1 <= k.top5 && k.top5 <= 1, JSON.stringify(k));
  assert.equal(final.knnTop1, knn[1].top1);
  worker.close();
  await handle.drain();
});

test('Stop checkpoints; a restarted trainer resumes there and trains nothing twice', async () => {
  const held = new Set<string>();
  const first = await startTrainer(config('b'), quiet);
  const w1 = syntheticWorker({ port: first.port, workerId: 'w1', datasetSize: DATASET, credits: 3, dim: 8, deliver: (s) => (s.id!.epoch === 0 && s.id!.step < 3) || (held.add(`${s.id!.step}`), false) });
  await waitFor('3 trained steps', () => readRecord(join(first.runDir, 'record.jsonl')).length === 3);
  const client = coordinatorClient(first.port);
  const reply = await new Promise<{ lastTrained?: { step: number } | null; checkpoint: string }>((resolve, reject) =>
    client.Stop({ checkpoint: true, reason: 'test' }, { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(err) : resolve(r!))),
  );
  client.close();
  assert.equal(reply.lastTrained?.step, 2);
  assert.match(reply.checkpoint, /step-0000000003\.safetensors$/);
  assert.equal((await first.finished).state, 'STOPPED');
  w1.close();
  await first.drain();

  const second = await startTrainer(config('b'), quiet);
  const w2 = syntheticWorker({ port: second.port, workerId: 'w2', datasetSize: DATASET, credits: 2, dim: 8 });
  assert.equal((await second.finished).state, 'DONE');
  assert.deepEqual(readRecord(join(second.runDir, 'record.jsonl')).map((r) => r.batch), planned('b'));
  assert.deepEqual(w2.specs.map((s) => `${s.id!.epoch}/${s.id!.step}`).slice(0, 2), ['0/3', '1/0'], 'resumed at the checkpoint position');
  w2.close();
  await second.drain();
});

test('an expired lease is leased again to another worker', async () => {
  const handle = await startTrainer(config('c', { epochs: 1 }, { leaseMs: 300 }), quiet);
  const hoarder = syntheticWorker({ port: handle.port, workerId: 'hoarder', datasetSize: DATASET, credits: 1, dim: 8, deliver: () => false });
  await waitFor('the hoarder holds a lease', () => hoarder.specs.length === 1);
  const worker = syntheticWorker({ port: handle.port, workerId: 'w', datasetSize: DATASET, credits: 2, dim: 8 });
  assert.equal((await handle.finished).state, 'DONE');
  assert.deepEqual(readRecord(join(handle.runDir, 'record.jsonl')).map((r) => r.batch), planned('c').slice(0, 4));
  assert.ok(worker.specs.some((s) => s.id!.step === hoarder.specs[0].id!.step), 'the hoarded batch went to the other worker');
  assert.ok((await status(handle.port)).batchesReleased >= 1, 'the expiry is counted');
  hoarder.close();
  worker.close();
  await handle.drain();
});

test('embeddings of the wrong size (a teacher replica with another embed-dim) are refused, naming both sizes; the batch goes to another worker', async () => {
  const handle = await startTrainer(config('d', { epochs: 1 }, { leaseMs: 500 }), quiet);
  const bad = syntheticWorker({ port: handle.port, workerId: 'bad', datasetSize: DATASET, credits: 1, dim: 8, deliver: () => false });
  await waitFor('the bad worker holds a lease', () => bad.specs.length === 1);
  await assert.rejects(deliver(bad.client, deliveriesFor(bad.specs[0], 5)), (e: grpc.ServiceError) => {
    assert.equal(e.code, grpc.status.FAILED_PRECONDITION);
    assert.match(e.details, /^shape\[1\]: embeddings of d\/0\/\d have 5 dimensions, the run's have 8/);
    return true;
  });
  bad.close();
  const worker = syntheticWorker({ port: handle.port, workerId: 'w', datasetSize: DATASET, credits: 2, dim: 8 });
  assert.equal((await handle.finished).state, 'DONE');
  assert.deepEqual(readRecord(join(handle.runDir, 'record.jsonl')).map((r) => r.batch), planned('d').slice(0, 4));
  worker.close();
  await handle.drain();
});

test('a non-finite loss fails the run naming step and batch, is counted, and keeps what was trained in a checkpoint', async () => {
  // A learning rate of 1e30 blows the weights up within a few steps; the step that sees a
  // non-finite loss is refused before it updates anything.
  const handle = await startTrainer(loadConfig(trainerConfigSchema, { env: {}, overrides: { ...configOverrides('e'), algo: { ...configOverrides('e').algo, baseLr: 1e30 } } }), quiet);
  const worker = syntheticWorker({ port: handle.port, workerId: 'w', datasetSize: DATASET, credits: 2, dim: 8 });
  const outcome = await handle.finished;
  assert.equal(outcome.state, 'FAILED');
  const message = outcome.state === 'FAILED' ? outcome.error.message : '';
  assert.match(message, /non-finite/i);
  const trained = readRecord(join(handle.runDir, 'record.jsonl'));
  assert.ok(trained.length >= 1 && trained.length < TOTAL, `failed after ${trained.length} steps`);
  assert.match(message, new RegExp(`e/${Math.floor(trained.length / 4)}/${trained.length % 4}`), 'names the batch it refused');
  const metrics = await (await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`)).text();
  assert.match(metrics, /disco_trainer_nonfinite_loss_total\{[^}]*\} 1\n/);
  assert.match(metrics, /disco_trainer_run_state\{[^}]*state="FAILED"[^}]*\} 1\n/);
  // Everything trained before the refused step is in the newest checkpoint.
  const newest = readdirSync(join(handle.runDir, 'checkpoints')).sort().at(-1)!;
  assert.equal(readCheckpoint(join(handle.runDir, 'checkpoints', newest)).meta.position.globalStep, trained.length);
  worker.close();
  await handle.drain();
});

test('the main thread answers Status and /metrics while a long step runs on the engine thread', async () => {
  // One step of a wider student at 96 px, batch 16, takes seconds on a CPU backend (≈ 4 s on the
  // native one here); a blocked event loop (the step on the main thread) would miss the 1.5 s
  // deadlines below.
  const handle = await startTrainer(config('g', { epochs: 1, limitImages: 16, batchSize: 16, size: 96, width: 0.5, knnEvery: 0 }), quiet);
  const worker = syntheticWorker({ port: handle.port, workerId: 'w', datasetSize: DATASET, credits: 1, dim: 8 });
  const record = join(handle.runDir, 'record.jsonl');
  let answered = 0;
  let stepMs = 0;
  while (readRecord(record).length === 0) {
    const t0 = performance.now();
    const client = coordinatorClient(handle.port);
    await new Promise<void>((resolve, reject) => client.Status({}, { deadline: Date.now() + 1500 }, (err) => (client.close(), err ? reject(err) : resolve())));
    const scrape = await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`, { signal: AbortSignal.timeout(1500) });
    assert.equal(scrape.status, 200);
    answered++;
    stepMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  const [line] = readRecord(record);
  assert.ok(line.computeSeconds > 2, `the step took ${line.computeSeconds} s: too short to show anything`);
  assert.ok(answered >= 3, `answered ${answered} Status + scrape pairs during the step (last ${stepMs.toFixed(0)} ms)`);
  worker.close();
  await handle.finished;
  await handle.drain();
});

test('a trainer that cannot read the dataset (a pod without the volume) trains without the online kNN and says why', async () => {
  const logged: string[] = [];
  const missing = loadConfig(trainerConfigSchema, { env: {}, overrides: { ...configOverrides('h2', { epochs: 1 }), augment: { dataset: join(dir, 'not-mounted') } } });
  const second = await startTrainer(missing, (l) => logged.push(l));
  const worker = syntheticWorker({ port: second.port, workerId: 'w', datasetSize: DATASET, credits: 2, dim: 8 });
  assert.equal((await second.finished).state, 'DONE');
  assert.ok(logged.some((l) => /online kNN off: cannot read the dataset for it: .*not-mounted/.test(l)), logged.join('\n'));
  worker.close();
  await second.drain();
});
