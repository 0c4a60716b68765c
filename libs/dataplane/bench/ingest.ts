/**
 * Data-plane ingest micro-benchmark: how many 224-px view pairs (+ 128-d embeddings) per second
 * one coordinator process leases, receives, validates and joins from W sender processes on
 * loopback. Senders replay precomputed chunks (no augmentation, no teacher), the consumer is a
 * no-op: this measures the codec, gRPC and the join only.
 *
 *   node --import tsx libs/dataplane/bench/ingest.ts [--senders 2] [--batch 64] [--size 224] [--seconds 8] [--chunk-bytes 1048576]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_WIRE_LIMITS,
  DataplaneCoordinator,
  RoleServer,
  channelOptions,
  chunkEmbeddings,
  chunkViews,
  loadProtos,
  writeMessage,
  type BatchSpec__Output,
  type CoordinatorClient,
  type Delivery,
  type PlanSpec,
  type PlannedBatch,
} from '../src/index.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'server' },
    port: { type: 'string', default: '0' },
    senders: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    size: { type: 'string', default: '224' },
    seconds: { type: 'string', default: '8' },
    'chunk-bytes': { type: 'string', default: String(1 << 20) },
    window: { type: 'string', default: '8' },
  },
});
const BATCH = Number(values.batch);
const SIZE = Number(values.size);
const DIM = 128;
const CHUNK = Number(values['chunk-bytes']);

async function sender(port: number): Promise<void> {
  const client = new (loadProtos().disco.v1.Coordinator)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions()) as CoordinatorClient;
  const pixels = new Uint8Array(BATCH * SIZE * SIZE * 3).map((_, i) => i & 255);
  const emb = new Float32Array(BATCH * DIM).fill(0.1);
  const lease = client.Lease();
  lease.write({ hello: { workerId: `s${process.pid}`, datasetSize: 1_000_000 } });
  lease.write({ credits: 2 });
  lease.on('error', () => process.exit(0));
  lease.on('data', async (spec: BatchSpec__Output) => {
    const common = { batch: spec.id!, leaseId: spec.leaseId, batchSize: BATCH, offset: 0, count: BATCH };
    const messages: Delivery[] = [];
    for (const view of [1, 2] as const) {
      for (const c of chunkViews({ ...common, view, height: SIZE, width: SIZE, data: pixels }, CHUNK)) messages.push({ views: c });
      for (const c of chunkEmbeddings({ ...common, view, dim: DIM, data: emb }, CHUNK)) messages.push({ embeddings: c });
    }
    await new Promise<void>((resolve) => {
      const call = client.Deliver({ deadline: Date.now() + 60_000 }, () => resolve());
      (async () => {
        for (const m of messages) await writeMessage(call, m);
        call.end();
      })().catch(() => resolve());
    });
    lease.write({ credits: 1 });
  });
}

async function server(): Promise<void> {
  const coordinator = new DataplaneCoordinator({ window: Number(values.window), leaseMs: 60_000, limits: DEFAULT_WIRE_LIMITS, maxPendingBytes: 4 * 2 ** 30, datasetSize: 1_000_000 });
  const plan: PlannedBatch<PlanSpec>[] = Array.from({ length: 100_000 }, (_, step) => ({ id: { run: 'bench', epoch: 0, step }, spec: { indices: Array.from({ length: BATCH }, (_, i) => i), runSeed: 0, size: SIZE } }));
  coordinator.extend(plan);
  const role = new RoleServer({ services: [] });
  role.server.addService(loadProtos().disco.v1.Coordinator.service, coordinator.handlers);
  const port = await role.listen('127.0.0.1', 0);
  const children = Array.from({ length: Number(values.senders) }, () => fork(fileURLToPath(import.meta.url), ['--role', 'sender', '--port', String(port), '--batch', String(BATCH), '--size', String(SIZE), '--chunk-bytes', String(CHUNK)], { execArgv: ['--import', 'tsx'] }));
  let pairs = 0;
  let t0 = 0;
  const cpu0 = process.cpuUsage();
  const warmup = 3;
  for (let i = 0; ; i++) {
    const batch = await coordinator.next();
    coordinator.consumed(batch.key);
    if (i === warmup) t0 = performance.now();
    if (i > warmup) pairs += batch.batchSize;
    if (t0 && performance.now() - t0 > Number(values.seconds) * 1000) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const perPair = (SIZE * SIZE * 3 * 2 + DIM * 4 * 2) / 1e6;
  process.stdout.write(
    JSON.stringify({ size: SIZE, batch: BATCH, senders: children.length, chunkBytes: CHUNK, pairsPerSecond: Math.round(pairs / seconds), MBps: Math.round((pairs * perPair) / seconds), coordinatorCpuSecondsPerSecond: +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2) }) + '\n',
  );
  for (const c of children) c.kill('SIGKILL');
  coordinator.close();
  role.close();
  process.exit(0);
}

if (values.role === 'sender') void sender(Number(values.port));
else void server();
