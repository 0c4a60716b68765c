/**
 * `disco train [--config file.json] [flags]`: the embedded default. Starts the trainer, teacher
 * and augment roles as separate processes on loopback gRPC (the same `disco serve` processes a
 * cluster runs), supervises them, shows progress, and leaves checkpoints, the record, logs and
 * the final student export in `runs/<run>/`. With no arguments it trains the demo (see
 * supervisor/demo_preset.ts); run it again with the same run name to resume.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, configFields, describeConfig, loadConfig } from '@disco/config';
import { clientSecurity, type StatusReply__Output } from '@disco/dataplane';
import { runDirOf, trainerConfigSchema, type RunSummary } from '@disco/trainer-service';
import type { Command } from '../command.ts';
import { demoPreset } from '../supervisor/demo_preset.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { ProgressDisplay, formatDuration } from '../supervisor/progress_bar.ts';

/** Settings of the embedded default itself (not passed to the roles). */
export const localSection = z.strictObject({
  augmenters: z.number().int().min(1).max(64).default(1).describe('augment worker processes'),
  teachers: z.number().int().min(0).max(64).default(1).describe('teacher processes (0 in mocov2 mode)'),
  maxRestarts: z.number().int().min(0).default(5).describe('restarts allowed per crashed augment or teacher process'),
  progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto').describe('progress display: auto = a bar on a terminal, plain lines otherwise'),
  verbose: z.boolean().default(false).describe("echo every role's log lines"),
});

export const trainConfigSchema = trainerConfigSchema.extend({ local: localSection.prefault({}) });
export type TrainConfig = z.output<typeof trainConfigSchema>;

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const objects = v && b && typeof v === 'object' && typeof b === 'object' && !Array.isArray(v) && !Array.isArray(b);
    out[k] = objects ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** defaults → demo preset → file (`--config` / DISCO_CONFIG) → env → flags. */
export function resolveTrainConfig(argv: readonly string[], env: NodeJS.ProcessEnv, preset = demoPreset()): Readonly<TrainConfig> {
  const rest: string[] = [];
  let file = env.DISCO_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') file = argv[++i];
    else if (argv[i].startsWith('--config=')) file = argv[i].slice('--config='.length);
    else rest.push(argv[i]);
  }
  let layered = preset;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: not a JSON object`);
    layered = deepMerge(preset, parsed as Record<string, unknown>);
  }
  const { DISCO_CONFIG: _ignored, ...envRest } = env;
  return loadConfig(trainConfigSchema, { argv: rest, env: envRest, overrides: layered });
}

/** The environment for the roles: without the config variables already folded into their file. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const folded = new Set(['DISCO_CONFIG', ...configFields(trainConfigSchema).map((f) => f.env)]);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !folded.has(k)));
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a student on this machine: trainer, teacher and augment processes on loopback (the demo with no arguments)',
  usage: `disco train [--config file.json] [--<section>.<key> value ...]\n\nflags (each also an env var; the demo preset sits under them):\n${describeConfig(trainConfigSchema)}`,
  async run(argv) {
    let config: Readonly<TrainConfig>;
    try {
      config = resolveTrainConfig(argv, process.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`disco train: ${err.message}\n`);
      return 2;
    }
    const t0 = Date.now();
    const { local, ...roles } = config;
    const runDir = runDirOf(config);
    mkdirSync(runDir, { recursive: true });
    const mode = roles.algo.mode;
    const teachers = mode === 'mocov2' ? 0 : local.teachers;
    if (mode !== 'mocov2' && teachers === 0) {
      process.stderr.write(`disco train: mode '${mode}' needs a teacher: set --local.teachers 1 or more\n`);
      return 2;
    }
    const roleConfig = { ...roles, trainer: { ...roles.trainer, runDir } };
    const tty = local.progress === 'bar' || (local.progress === 'auto' && process.stdout.isTTY === true);
    const display = new ProgressDisplay({ out: process.stdout, batchSize: roles.trainer.batchSize, tty });
    const say = (line: string) => display.message(line);
    say(`disco train: run '${roles.trainer.run}' in ${runDir}: student ${roles.trainer.model} ×${roles.trainer.width}, ${roles.trainer.epochs} epochs of batch ${roles.trainer.batchSize} at ${roles.trainer.size} px; teacher ${teachers ? `${roles.teacher.model} ×${roles.teacher.width} (${roles.teacher.checkpoint || `seed ${roles.teacher.seed}`})` : 'none'}`);

    const supervisor = new Supervisor({
      config: roleConfig,
      runDir,
      augmenters: local.augmenters,
      teachers,
      maxRestarts: local.maxRestarts,
      env: childEnv(process.env),
      pollMs: tty ? 500 : 2000,
      log: say,
      onStatus: local.progress === 'none' ? undefined : (s: StatusReply__Output) => display.update(s),
      onChildLine: local.verbose ? say : undefined,
      security: clientSecurity(roles.tls),
    });
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        say(`${signal} again: killing every role now`);
        supervisor.kill();
        return;
      }
      signalled = signal;
      say(`${signal}: stopping (the trainer checkpoints first; ${signal} again to kill)`);
      void supervisor.stop(`${signal} received`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const end = await supervisor.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    display.finish();
    return report(end, runDir, (Date.now() - t0) / 1000, signalled, say);
  },
};

function report(end: Awaited<ReturnType<Supervisor['run']>>, runDir: string, wallSeconds: number, signalled: NodeJS.Signals | undefined, say: (l: string) => void): number {
  let summary: Partial<RunSummary> = {};
  try {
    summary = JSON.parse(readFileSync(`${runDir}/summary.json`, 'utf8')) as RunSummary;
  } catch {
    // no summary: the trainer never got far enough
  }
  const p = summary.thisProcess;
  const speed = p
    ? `; ${p.imagesPerSecond.toFixed(1)} images/s, ${(100 * p.dataWaitFraction).toFixed(1)} % of step time waiting for data (${(100 * p.dataWaitFractionAfterFirstStep).toFixed(1)} % after the first batch)`
    : '';
  if (end.outcome === 'done') {
    if (p?.steps === 0) say(`run '${summary.run}' was already trained (nothing to resume); pass --trainer.run <name> for a new run`);
    say(`done in ${formatDuration(wallSeconds)} (${wallSeconds.toFixed(1)} s)${speed}`);
    if (summary.export) say(`student backbone: ${summary.export.safetensors} (PyTorch) and ${summary.export.tfjs}/ (tfjs)`);
    return 0;
  }
  if (end.outcome === 'stopped') {
    say(`stopped after ${formatDuration(wallSeconds)}: ${end.reason}${summary.lastCheckpoint ? `; checkpoint ${summary.lastCheckpoint}` : ''}. Run the same command to resume.`);
    return signalled === 'SIGINT' ? 130 : 0;
  }
  say(`FAILED: ${end.reason}${summary.error ? `\n  ${summary.error}` : ''}`);
  return 1;
}
