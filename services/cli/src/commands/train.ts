/**
 * `disco train [--config file.json] [flags]`: the embedded default. Starts the trainer, teacher
 * and augment roles as separate processes on loopback gRPC (the same `disco serve` processes a
 * cluster runs), supervises them, shows progress, and leaves checkpoints, the record, logs and
 * the final student export in `runs/<run>/`. With no arguments it trains the demo (see
 * supervisor/demo_preset.ts); run it again with the same run name to resume.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { ConfigError, configFields, describeConfig, formatExplainedConfig } from '@disco/config';
import { clientSecurity, type StatusReply__Output } from '@disco/dataplane';
import { predictedNativeAdvice } from '@disco/tensor';
import { runDirOf, trainerConfigSchema, type RunSummary } from '@disco/trainer-service';
import type { Command } from '../command.ts';
import { demoPreset, LOCAL_LAYER } from '../supervisor/demo_preset.ts';
import { describeRun, explainTrainConfig, trainConfigSchema, type ResolvedTrainConfig } from '../train_config.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { ProgressDisplay, formatDuration } from '../supervisor/progress_bar.ts';

export { explainTrainConfig, resolveTrainConfig, trainConfigSchema, type TrainConfig } from '../train_config.ts';

/**
 * The environment for the roles: without the config variables already folded into their file.
 * (Their logs, run-dir/logs/*.log, are readable lines unless DISCO_LOG_FORMAT=json: spawnRole.)
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const folded = new Set(['DISCO_CONFIG', ...configFields(trainConfigSchema).map((f) => f.env)]);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !folded.has(k)));
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a student on this machine: trainer, teacher and augment processes on loopback (the demo with no arguments)',
  get usage() {
    return trainUsage();
  },
  async run(argv) {
    let resolved: ResolvedTrainConfig;
    try {
      resolved = explainTrainConfig(argv, process.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`disco train: ${err.message}\n`);
      return 2;
    }
    if (resolved.printConfig) {
      process.stdout.write(formatExplainedConfig(resolved) + '\n');
      return 0;
    }
    const config = resolved.config;
    const problem = preflight(resolved);
    if (problem) {
      process.stderr.write(`disco train: ${problem}\n`);
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
    say(`disco train: run '${roles.trainer.run}' in ${runDir}`);
    for (const line of describeRun(resolved, teachers)) say(`  ${line}`);
    const advice = predictedNativeAdvice();
    if (advice) say(advice);

    const supervisor = new Supervisor({
      config: roleConfig,
      runDir,
      augmenters: local.augmenters,
      teachers,
      trainerReplicas: roles.trainer.worldSize,
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
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    const end = await supervisor.run();
    for (const s of signals) process.off(s, onSignal);
    display.finish();
    return report(end, runDir, (Date.now() - t0) / 1000, signalled, say);
  },
};

/**
 * What can be checked before any process starts: the inputs exist. One line naming the input,
 * where it came from and what to do — instead of a role failing to start with a stack trace.
 */
function preflight(r: ResolvedTrainConfig): string | undefined {
  const c = r.config;
  const from = (key: string) => r.origins.get(key) ?? 'default';
  if (c.augment.dataset && !existsSync(c.augment.dataset)) {
    return `augment.dataset ${c.augment.dataset} does not exist (${from('augment.dataset')}): give an ImageFolder directory, a .jsonl manifest or an IDX images file`;
  }
  if (c.algo.mode !== 'mocov2' && c.teacher.checkpoint && !existsSync(c.teacher.checkpoint)) {
    return `teacher.checkpoint ${c.teacher.checkpoint} does not exist (${from('teacher.checkpoint')}): give the folder \`disco import-teacher\` wrote, its teacher.json, or a weights file`;
  }
  return undefined;
}

/** `disco train --help`: the flags with the defaults that apply to a run (not the demo's), then the demo preset. */
function trainUsage(): string {
  const leaves = (o: Record<string, unknown>, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k} ${JSON.stringify(v)}`]));
  return [
    'disco train [--config file.json] [--preset demo|none] [--print-config] [--<section>.<key> value ...]',
    '',
    'Every flag is also an env var. Layers, lowest first: these defaults (the paper\'s, with disco train\'s',
    'loopback settings) → the demo preset (only for the demo) → the teacher\'s teacher.json (when',
    '--teacher.checkpoint names a teacher folder) → --config file → env → flags. --print-config shows the',
    'effective value of each key and where it came from.',
    '',
    describeConfig(trainConfigSchema, 'DISCO', LOCAL_LAYER as Record<string, unknown>),
    '',
    'With neither --augment.dataset nor --trainer.model (or with --preset demo), the demo preset applies:',
    `  ${leaves(demoPreset()).join(', ')}`,
  ].join('\n');
}

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
