/**
 * `disco serve augment|teacher|trainer [--config file.json] [flags]`: runs one role as this
 * process, which is what a Kubernetes pod runs and what `disco train` spawns. Config flows
 * defaults → file → env → flags (every flag is also a `DISCO_*` variable); one file holds every
 * role's section. Prints one JSON line `{"event":"listening", ...}` on stdout when serving
 * (also a log record: level, time, msg); logs as JSON or readable lines (DISCO_LOG_FORMAT);
 * SIGTERM drains (the trainer checkpoints first) and exits 0.
 */
import { ConfigError, describeConfig, loadConfigExplained } from '@disco/config';
import { exitOnSignal, writeListeningLine } from '@disco/dataplane';
import { createRoleLog, type Log } from '@disco/metrics';
import { trainerConfigSchema, type TrainerConfig } from '@disco/trainer-service';
import { UsageError, type Command } from '../command.ts';
import { errorLine } from '../error_line.ts';
import { teacherManifestLayer } from '../train_config.ts';
import { exitWithParent } from '../supervisor/parent_watch.ts';

export const ROLES = ['augment', 'teacher', 'trainer'] as const;
export type Role = (typeof ROLES)[number];

/** The role's log: its name and, where they apply, the run, the trainer's rank, the worker's id. */
function roleLog(role: Role, config: Readonly<TrainerConfig>): Log {
  if (role === 'trainer') return createRoleLog({ role, run: config.trainer.run, rank: config.trainer.rank });
  if (role === 'augment') return createRoleLog({ role, worker: config.augment.workerId || undefined });
  return createRoleLog({ role });
}

async function serveRole(role: Role, config: Readonly<TrainerConfig>, log: Log): Promise<void> {
  switch (role) {
    case 'augment': {
      const { start } = await import('@disco/augment-service');
      const handle = await start(config, log);
      writeListeningLine({ role, port: handle.port, metricsPort: handle.metricsPort, datasetSize: handle.datasetSize, worker: handle.worker !== undefined });
      exitOnSignal(handle.drain, log);
      return;
    }
    case 'teacher': {
      const { start } = await import('@disco/teacher-service');
      const handle = await start(config, log);
      writeListeningLine({ role, port: handle.port, metricsPort: handle.metricsPort, model: config.teacher.model, backend: handle.model.backend });
      exitOnSignal(handle.drain, log);
      return;
    }
    case 'trainer': {
      const { serve } = await import('@disco/trainer-service');
      await serve(config, log);
      return;
    }
  }
}

/** The role's config; a teacher folder named by --teacher.checkpoint supplies the teacher's shape (and the student head's size). */
function serveConfig(argv: readonly string[]): Readonly<TrainerConfig> {
  const explained = loadConfigExplained(trainerConfigSchema, { argv });
  const fromTeacher = teacherManifestLayer(explained);
  return fromTeacher ? loadConfigExplained(trainerConfigSchema, { argv, layers: [fromTeacher.layer] }).config : explained.config;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run one role (augment, teacher or trainer) as this process, as a Kubernetes pod does',
  usage: `disco serve ${ROLES.join('|')} [--config file.json] [--<section>.<key> value ...]\n\nflags (each also an env var):\n${describeConfig(trainerConfigSchema)}`,
  async run(argv) {
    const [role, ...rest] = argv;
    if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`which role? one of ${ROLES.join(', ')}${role ? ` (not '${role}')` : ''}`);
    if (process.env.DISCO_EXIT_WITH_PARENT === '1') exitWithParent();
    let log: Log | undefined;
    try {
      const config = serveConfig(rest);
      log = roleLog(role as Role, config);
      await serveRole(role as Role, config, log);
    } catch (err) {
      // Exit at once: a half-started role may hold handles that would keep the process alive.
      const line = err instanceof ConfigError ? err.message : errorLine(err);
      if (log && (log as ReturnType<typeof createRoleLog>).format === 'json') log(line, { level: 'error', err });
      else process.stderr.write(`disco serve ${role}: ${line}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
    return new Promise<number>(() => undefined); // serves until a signal (or the trainer's end) exits the process
  },
};
