/**
 * The augment role: serves `Augment` (view pairs for a batch spec) and, given a trainer address,
 * runs the worker loop (lease → augment → teacher + trainer). `start(config)` is what
 * `disco serve augment` and tests call; run directly (`tsx services/augment/src/main.ts
 * --augment.port 50052 --augment.trainer host:port --augment.teachers a,b`) it reads flags and
 * `DISCO_*` env, prints one JSON line `{"event":"listening",...}` and drains on SIGTERM.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ConfigError, describeConfig, discoConfigSchema, loadConfig, type DiscoConfig } from '@disco/config';
import { createRegistry, createRoleLog, grpcServerMetrics, startMetricsServer, type Log } from '@disco/metrics';
import {
  ReplicaPool,
  RoleServer,
  channelOptions,
  clientSecurity,
  exitOnSignal,
  loadProtos,
  serverSecurity,
  wireLimitsFor,
  writeListeningLine,
  type CoordinatorClient,
  type TeacherClient,
} from '@disco/dataplane';
import { createAugmentMetrics, recordSkippedEntries } from './metrics.ts';
import { openConfiguredDataset, timedDataset } from './dataset.ts';
import { BatchAugmenter } from './batch_augmenter.ts';
import { makeAugmentHandlers } from './augment_handler.ts';
import { LeaseLoop } from './worker/lease_loop.ts';
import { deliverBatch } from './worker/deliver_batch.ts';

export interface AugmentHandle {
  port: number;
  metricsPort: number;
  datasetSize: number;
  /** The worker loop, when a trainer address is configured. */
  worker?: LeaseLoop;
  /** One lease loop per trainer replica (`worker` is the first). */
  workers: LeaseLoop[];
  /** Graceful: NOT_SERVING, no new leases, running batches and calls finish (up to drain.graceMs). */
  drain(): Promise<void>;
  /** Immediate. */
  close(): Promise<void>;
}

export async function start(config: Readonly<DiscoConfig>, log: Log = createRoleLog({ role: 'augment', worker: config.augment.workerId || undefined })): Promise<AugmentHandle> {
  const { augment, dataplane, drain } = config;
  const tls = serverSecurity(config.tls);
  if (config.tls.enabled) log(`tls: ${tls.summary}`);
  const registry = createRegistry('augment');
  const metrics = createAugmentMetrics(registry);
  const dataset = timedDataset(await openConfiguredDataset(augment.dataset), metrics);
  recordSkippedEntries(metrics, dataset.skipped);
  if (dataset.skipped && Object.keys(dataset.skipped).length) log(`dataset: ${dataset.description}`);
  const limits = wireLimitsFor(dataplane.maxMessageBytes, { maxBatchSize: dataplane.maxBatchSize, maxSide: dataplane.maxSide, maxEmbeddingDim: dataplane.maxEmbeddingDim });
  const augmenter = new BatchAugmenter(dataset, { imagesInFlight: augment.imagesInFlight, chunkBytes: dataplane.chunkBytes, metrics });

  const role = new RoleServer({ services: ['disco.v1.Augment'], maxMessageBytes: dataplane.maxMessageBytes, interceptors: [grpcServerMetrics(registry)], credentials: tls.credentials });
  role.server.addService(
    loadProtos().disco.v1.Augment.service,
    makeAugmentHandlers({ augmenter, limits, metrics, datasetDescription: dataset.description, isDraining: () => role.isDraining }),
  );
  const port = await role.listen(augment.host, augment.port);
  const metricsServer = await startMetricsServer(registry, { host: augment.host, port: augment.metricsPort });

  const workers: LeaseLoop[] = [];
  const coordinators: CoordinatorClient[] = [];
  let teachers: ReplicaPool<TeacherClient> | undefined;
  // One lease loop per trainer replica (data-parallel trainers each coordinate a shard of every batch).
  const trainerAddresses = augment.trainer.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (trainerAddresses.length > 0) {
    const proto = loadProtos().disco.v1;
    const tuning = { maxMessageBytes: dataplane.maxMessageBytes, keepaliveMs: dataplane.keepaliveMs };
    const security = clientSecurity(config.tls);
    teachers = augment.teachers.length > 0 ? new ReplicaPool(proto.Teacher, augment.teachers, tuning, security) : undefined;
    const workerId = augment.workerId || `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    // The worker's lines carry its id (generated when the config names none) and, with several trainers, which one.
    const workerLog: Log = (msg, fields) => log(msg, { worker: workerId, ...fields });
    for (const address of trainerAddresses) {
      const trainerLog: Log = trainerAddresses.length > 1 ? (msg, fields) => workerLog(`[trainer ${address}] ${msg}`, { trainer: address, ...fields }) : workerLog;
      const coordinator = new proto.Coordinator(address, security.credentials, { ...channelOptions(tuning), ...security.options }) as CoordinatorClient;
      coordinators.push(coordinator);
      const deps = {
        augmenter,
        coordinator,
        teachers,
        limits,
        callTimeoutMs: dataplane.callTimeoutMs,
        attempts: dataplane.attempts,
        retryBackoffMs: dataplane.retryBackoffMs,
        metrics,
        log: trainerLog,
      };
      const worker = new LeaseLoop({
        client: coordinator,
        workerId,
        datasetSize: dataset.length,
        teachers: augment.teachers,
        slots: augment.batchesInFlight,
        limits,
        retryBackoffMs: dataplane.retryBackoffMs,
        log: trainerLog,
        run: async (spec) => {
          metrics.inflight.inc();
          try {
            metrics.batches.inc({ outcome: await deliverBatch(deps, spec) });
          } catch (err) {
            metrics.batches.inc({ outcome: 'failed' });
            throw err;
          } finally {
            metrics.inflight.dec();
          }
        },
      });
      workers.push(worker);
    }
    role.onDrain(() => Promise.all(workers.map((w) => w.stop(drain.graceMs))).then(() => undefined));
    for (const w of workers) w.start();
  }
  role.health.setAll('SERVING');

  let stopped: Promise<void> | undefined;
  const stop = (graceful: boolean) =>
    (stopped ??= (async () => {
      if (graceful) {
        // No new leases from the first moment of the drain: the server's drain hooks run only
        // after drain.delayMs, and a worker leasing meanwhile would take batches it must then
        // finish or hand back. Running batches still finish (the hook waits for them).
        const leasing = Promise.all(workers.map((w) => w.stop(drain.delayMs + drain.graceMs)));
        await role.drain(drain);
        await leasing;
      } else {
        for (const w of workers) void w.stop(0);
        role.close();
      }
      for (const c of coordinators) c.close();
      teachers?.close();
      await metricsServer.close();
    })());
  return { port, metricsPort: metricsServer.port, datasetSize: dataset.length, worker: workers[0], workers, drain: () => stop(true), close: () => stop(false) };
}

async function cli(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: tsx services/augment/src/main.ts [--config file.json] [flags]\n${describeConfig(discoConfigSchema)}\n`);
    return;
  }
  const config = loadConfig(discoConfigSchema, { argv });
  const log = createRoleLog({ role: 'augment', worker: config.augment.workerId || undefined });
  const handle = await start(config, log);
  writeListeningLine({ role: 'augment', port: handle.port, metricsPort: handle.metricsPort, datasetSize: handle.datasetSize, worker: handle.worker !== undefined });
  exitOnSignal(handle.drain, log);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`augment: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
