/**
 * The teacher role: a stateless gRPC server that embeds both views of each batch with a frozen
 * encoder. `start(config)` is what `disco serve teacher` and tests call; run directly
 * (`tsx services/teacher/src/main.ts --teacher.port 50053 ...`) it reads flags and `DISCO_*`
 * env, prints one JSON line `{"event":"listening",...}` and drains on SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError, describeConfig, discoConfigSchema, loadConfig, type DiscoConfig } from '@disco/config';
import { createRegistry, createRoleLog, grpcServerMetrics, startMetricsServer, type Log } from '@disco/metrics';
import { RoleServer, exitOnSignal, loadProtos, serverSecurity, wireLimitsFor, writeListeningLine, type TeacherHandlers } from '@disco/dataplane';
import { loadTeacherModel, type TeacherModel } from './model.ts';
import { chooseTeacherEngine, loadOnnxTeacherModel } from './onnx_model.ts';
import { createTeacherMetrics } from './metrics.ts';
import { makeEmbedHandler } from './embed_handler.ts';

export interface TeacherHandle {
  port: number;
  metricsPort: number;
  model: TeacherModel;
  /** Graceful: NOT_SERVING, running Embed calls finish (up to drain.graceMs), then down. */
  drain(): Promise<void>;
  /** Immediate. */
  close(): Promise<void>;
}

/** Pixel bytes all Embed calls may hold together. */
const MAX_PENDING_BYTES = 1024 * 1024 * 1024;

export async function start(config: Readonly<DiscoConfig>, log: Log = createRoleLog({ role: 'teacher' })): Promise<TeacherHandle> {
  const { teacher, dataplane, drain } = config;
  const tls = serverSecurity(config.tls);
  if (config.tls.enabled) log(`tls: ${tls.summary}`);
  const registry = createRegistry('teacher');
  const metrics = createTeacherMetrics(registry);
  const engine = await chooseTeacherEngine(teacher);
  log(engine.reason);
  const model = engine.engine === 'onnx' ? await loadOnnxTeacherModel(teacher, engine.ort, engine.version) : await loadTeacherModel(teacher);
  metrics.backend.set({ backend: model.backend, model: teacher.model, bn_mode: model.bnMode }, 1);

  const role = new RoleServer({
    services: ['disco.v1.Teacher'],
    maxMessageBytes: dataplane.maxMessageBytes,
    interceptors: [grpcServerMetrics(registry)],
    credentials: tls.credentials,
  });
  const handlers: TeacherHandlers = {
    Embed: makeEmbedHandler({
      model,
      limits: wireLimitsFor(dataplane.maxMessageBytes, { maxBatchSize: dataplane.maxBatchSize, maxSide: dataplane.maxSide, maxEmbeddingDim: dataplane.maxEmbeddingDim }),
      chunkBytes: dataplane.chunkBytes,
      maxPendingBytes: MAX_PENDING_BYTES,
      metrics,
      isDraining: () => role.isDraining,
    }),
    Info: (_call, callback) => {
      callback(null, { model: teacher.model, embeddingDim: model.embeddingDim, bnMode: model.bnMode, backend: model.backend, weights: model.weights });
    },
  };
  role.server.addService(loadProtos().disco.v1.Teacher.service, handlers);
  const port = await role.listen(teacher.host, teacher.port);
  const metricsServer = await startMetricsServer(registry, { host: teacher.host, port: teacher.metricsPort });
  role.health.setAll('SERVING');

  let stopped: Promise<void> | undefined;
  const stop = (graceful: boolean) =>
    (stopped ??= (async () => {
      if (graceful) await role.drain(drain);
      else role.close();
      await metricsServer.close();
      model.dispose();
    })());
  return { port, metricsPort: metricsServer.port, model, drain: () => stop(true), close: () => stop(false) };
}

async function cli(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: tsx services/teacher/src/main.ts [--config file.json] [flags]\n${describeConfig(discoConfigSchema)}\n`);
    return;
  }
  const config = loadConfig(discoConfigSchema, { argv });
  const log = createRoleLog({ role: 'teacher' });
  const handle = await start(config, log);
  writeListeningLine({ role: 'teacher', port: handle.port, metricsPort: handle.metricsPort, model: config.teacher.model, backend: handle.model.backend });
  exitOnSignal(handle.drain, log);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`teacher: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  });
}
