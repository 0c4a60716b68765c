/**
 * The trainer role: the coordinator of a run. Serves `Coordinator` (Lease and Deliver from the
 * data plane, Status and Stop here), gRPC health and `/metrics`, and trains in plan order.
 * `start(config)` is what `disco serve trainer` and tests call; run directly
 * (`tsx services/trainer/src/main.ts --trainer.port 50051 ...`) it reads flags and `DISCO_*`
 * env, prints one JSON line `{"event":"listening",...}`, exits 0 when the run is done (or
 * stopped), 1 if it failed, and on SIGTERM stops after the current step, checkpoints and exits 0.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, describeConfig, loadConfig } from '@disco/config';
import { createRegistry, createRoleLog, grpcServerMetrics, startMetricsServer, type Log } from '@disco/metrics';
import { RoleServer, exitOnSignal, loadProtos, serverSecurity, writeListeningLine, type CoordinatorHandlers } from '@disco/dataplane';
import { trainerConfigSchema, type TrainerConfig } from './config.ts';
import { createTrainerMetrics } from './metrics.ts';
import { TrainingRun, type RunOutcome, type StopResult } from './run.ts';
import { makeStatusHandler } from './handlers/status.ts';
import { makeStopHandler } from './handlers/stop.ts';
import { startLivePage } from './live/start_live_page.ts';

export { trainerConfigSchema, type TrainerConfig } from './config.ts';
export { readRecord, type RecordLine } from './record.ts';
export { readCheckpoint } from './checkpoint/checkpoint_file.ts';
export * from './checkpoint/student_weights.ts';
export { runDirOf } from './run.ts';
export type { RunSummary } from './final_export.ts';
export { planEpoch, stepsPerEpoch } from './plan.ts';

export interface TrainerHandle {
  port: number;
  metricsPort: number;
  runDir: string;
  backend: string;
  /** Resolves when the run is trained and exported, stopped, or failed. */
  finished: Promise<RunOutcome>;
  stop(options: { checkpoint: boolean; reason: string }): Promise<StopResult>;
  /** SIGTERM: NOT_SERVING, stop after the current step, checkpoint, close. */
  drain(): Promise<void>;
  /** Immediate, no checkpoint. */
  close(): Promise<void>;
}

export async function start(config: Readonly<TrainerConfig>, log: Log = createRoleLog({ role: 'trainer', run: config.trainer.run, rank: config.trainer.rank })): Promise<TrainerHandle> {
  const { trainer: t, dataplane, drain } = config;
  const tls = serverSecurity(config.tls);
  if (config.tls.enabled) log(`tls: ${tls.summary}`);
  const run = await TrainingRun.create(config, log);
  const registry = createRegistry('trainer');
  const metrics = createTrainerMetrics(registry, {
    deliveries: () => ({ ...run.coordinator.counters }),
    released: () => run.coordinator.window.stats().released,
    window: () => run.coordinator.window.stats(),
    workers: () => run.coordinator.sessions.workers,
    state: () => run.progress.state,
  });

  const role = new RoleServer({
    services: ['disco.v1.Coordinator'],
    maxMessageBytes: dataplane.maxMessageBytes,
    keepaliveMs: dataplane.keepaliveMs,
    interceptors: [grpcServerMetrics(registry)],
    credentials: tls.credentials,
  });
  const handlers: CoordinatorHandlers = {
    Lease: run.coordinator.handlers.Lease,
    Deliver: run.coordinator.handlers.Deliver,
    Status: makeStatusHandler(t.run, run.progress, run.coordinator),
    Stop: makeStopHandler(run, config.tls, log),
  };
  role.server.addService(loadProtos().disco.v1.Coordinator.service, handlers);
  role.onDrain(() => run.coordinator.close());
  const port = await role.listen(t.host, t.port);
  const live = startLivePage(config, run);
  const metricsServer = await startMetricsServer(registry, { host: t.host, port: t.metricsPort, pages: live.pages });
  role.health.setAll('SERVING');
  const finished = run.run(metrics);

  let stopped: Promise<void> | undefined;
  const shutdown = (graceful: boolean) =>
    (stopped ??= (async () => {
      if (graceful) {
        role.health.setAll('NOT_SERVING'); // before the drain: probes and balancers stop sending
        await run.stop({ checkpoint: true, reason: 'drain' });
        await role.drain(drain);
      } else {
        role.close();
      }
      await metricsServer.close();
      live.close();
      await run.dispose();
    })());
  return {
    port,
    metricsPort: metricsServer.port,
    runDir: run.runDir,
    backend: run.engineInfo.backend,
    finished,
    stop: (options) => run.stop(options),
    drain: () => shutdown(true),
    close: () => shutdown(false),
  };
}

async function cli(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: tsx services/trainer/src/main.ts [--config file.json] [flags]\n${describeConfig(trainerConfigSchema)}\n`);
    return;
  }
  await serve(loadConfig(trainerConfigSchema, { argv }));
}

/** Runs the role as this process: listening line on stdout, exit when the run ends or on SIGTERM. */
export async function serve(config: Readonly<TrainerConfig>, log: Log = createRoleLog({ role: 'trainer', run: config.trainer.run, rank: config.trainer.rank })): Promise<void> {
  const handle = await start(config, log);
  writeListeningLine({ role: 'trainer', port: handle.port, metricsPort: handle.metricsPort, runDir: handle.runDir, backend: handle.backend });
  exitOnSignal(handle.drain, log);
  const outcome = await handle.finished;
  if (outcome.state === 'DONE' && !config.trainer.exitWhenDone) return;
  const linger = config.trainer.failLingerMs;
  if (outcome.state === 'FAILED' && linger > 0) {
    log(`the run failed; /metrics stays up for ${linger / 1000} s so the failure is scraped, then exit 1 (trainer.fail-linger-ms)`, { level: 'error' });
    await Promise.race([new Promise((r) => setTimeout(r, linger)), new Promise((r) => process.once('SIGTERM', r))]);
  }
  await handle.drain();
  process.exit(outcome.state === 'FAILED' ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`trainer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
