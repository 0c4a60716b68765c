/**
 * The effective configuration of `disco train`, and where each value came from:
 *   schema defaults (the paper's) → disco train's local layer (loopback, free ports) → the demo
 *   preset (only for the demo) → the teacher's manifest (when --teacher.checkpoint names a teacher
 *   folder) → config file (--config / DISCO_CONFIG) → environment → flags.
 * The demo preset applies with `--preset demo`, or when neither a dataset nor a student model is
 * given; `--preset none` never. A flag that contradicts the teacher's manifest is refused.
 */
import { z } from 'zod';
import { ConfigError, loadConfigExplained, type ConfigLayer, type ExplainedConfig } from '@disco/config';
import { findTeacherManifest, manifestTeacherSettings, TeacherManifestError } from '@disco/models';
import { trainerConfigSchema } from '@disco/trainer-service';
import { demoPreset, findBundledTeacher, LOCAL_LAYER, type BundledTeacher } from './supervisor/demo_preset.ts';

/** Settings of the embedded default itself (not passed to the roles). */
export const localSection = z.strictObject({
  augmenters: z.number().int().min(1).max(64).default(1).describe('augment worker processes'),
  teachers: z.number().int().min(0).max(64).default(1).describe('teacher processes (0 in mocov2 mode)'),
  maxRestarts: z.number().int().min(0).default(5).describe('restarts allowed per crashed augment or teacher process'),
  progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto').describe('progress display: auto = a bar on a terminal, plain lines otherwise'),
  verbose: z.boolean().default(false).describe("echo every role's log lines, and print stack traces of errors"),
});

export const trainConfigSchema = trainerConfigSchema.extend({ local: localSection.prefault({}) });
export type TrainConfig = z.output<typeof trainConfigSchema>;

export const PRESETS = ['demo', 'none'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface ResolvedTrainConfig extends ExplainedConfig<TrainConfig> {
  preset: PresetName;
  /** Why the preset applies or not, for the start-up lines. */
  presetReason: string;
  /** The teacher manifest whose settings were used. */
  teacherManifest?: string;
  /** `--print-config` was given. */
  printConfig: boolean;
}

export interface TrainConfigOptions {
  /** The demo's teacher (default: the one bundled in services/cli/assets/teacher/). */
  bundledTeacher?: BundledTeacher | null;
}

const explicit = (origin: string | undefined) => !!origin && /^(file|env|flag) /.test(origin);

/** Splits off the arguments that are not config keys: --config, --preset, --print-config. */
function commandFlags(argv: readonly string[], env: NodeJS.ProcessEnv): { rest: string[]; file?: string; preset?: PresetName; printConfig: boolean } {
  const rest: string[] = [];
  let file = env.DISCO_CONFIG;
  let preset: string | undefined;
  let printConfig = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string) => {
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (i + 1 >= argv.length) throw new ConfigError(`flag --${name} needs a value`);
      return argv[++i];
    };
    if (a === '--config' || a.startsWith('--config=')) file = value('config');
    else if (a === '--preset' || a.startsWith('--preset=')) preset = value('preset');
    else if (a === '--print-config') printConfig = true;
    else rest.push(a);
  }
  if (preset !== undefined && !(PRESETS as readonly string[]).includes(preset)) throw new ConfigError(`--preset '${preset}' is not one of ${PRESETS.join(', ')}`);
  return { rest, file, preset: preset as PresetName | undefined, printConfig };
}

/** `disco train`'s config with the origin of every value; throws ConfigError (one line each) for bad input. */
export function explainTrainConfig(argv: readonly string[], env: NodeJS.ProcessEnv, options: TrainConfigOptions = {}): ResolvedTrainConfig {
  const { rest, file, preset: asked, printConfig } = commandFlags(argv, env);
  const { DISCO_CONFIG: _folded, ...envRest } = env;
  const layers: ConfigLayer[] = [{ name: 'disco train', values: LOCAL_LAYER as Record<string, unknown> }];
  const load = () => loadConfigExplained(trainConfigSchema, { argv: rest, env: envRest, file, layers });

  let explained = load();
  let preset: PresetName;
  let presetReason: string;
  if (asked) {
    preset = asked;
    presetReason = `--preset ${asked}`;
  } else {
    const given = ['augment.dataset', 'trainer.model'].filter((k) => explicit(explained.origins.get(k)));
    preset = given.length ? 'none' : 'demo';
    presetReason = given.length ? `${given.join(' and ')} given` : 'no dataset and no model given';
  }
  if (preset === 'demo') {
    const bundled = options.bundledTeacher === undefined ? (findBundledTeacher() ?? null) : options.bundledTeacher;
    layers.push({ name: 'preset demo', values: demoPreset(bundled) });
    explained = load();
  }

  const fromTeacher = teacherManifestLayer(explained);
  if (fromTeacher) {
    layers.push(fromTeacher.layer);
    explained = load();
  }
  const teacherManifest = fromTeacher?.manifestPath;
  return { ...explained, preset, presetReason, teacherManifest, printConfig };
}

/**
 * When `teacher.checkpoint` names a teacher folder (or its teacher.json) and the mode uses a
 * teacher: the layer that takes the teacher's architecture, width, head and embedding size (and
 * the student head's embedding size) from it. Throws ConfigError, one line, where a value given
 * in a file, env or flag contradicts the manifest.
 */
export function teacherManifestLayer(explained: ExplainedConfig<Pick<TrainConfig, 'algo' | 'teacher'>>): { layer: ConfigLayer; manifestPath: string } | undefined {
  const c = explained.config;
  if (c.algo.mode === 'mocov2' || !c.teacher.checkpoint) return undefined;
  let found;
  try {
    found = findTeacherManifest(c.teacher.checkpoint);
  } catch (err) {
    if (err instanceof TeacherManifestError) throw new ConfigError(`teacher.checkpoint: ${err.message}`);
    throw err;
  }
  if (!found) return undefined;
  const settings = manifestTeacherSettings(found.manifest);
  const wanted: [string, unknown][] = [...Object.entries(settings).map(([k, v]): [string, unknown] => [`teacher.${k}`, v]), ['algo.embedDim', settings.embedDim]];
  for (const [key, want] of wanted) {
    const origin = explained.origins.get(key);
    const [section, leaf] = key.split('.');
    const have = (c as unknown as Record<string, Record<string, unknown>>)[section][leaf];
    if (explicit(origin) && have !== want) {
      throw new ConfigError(`${key} ${JSON.stringify(have)} (${origin}) contradicts ${JSON.stringify(want)} in ${found.manifestPath}: drop the ${origin!.split(' ')[0]} value or use another teacher`);
    }
  }
  return { layer: { name: `teacher ${found.manifestPath}`, values: { teacher: settings, algo: { embedDim: settings.embedDim } } }, manifestPath: found.manifestPath };
}

/** The effective config alone (tests, callers that need no origins). */
export function resolveTrainConfig(argv: readonly string[], env: NodeJS.ProcessEnv, options: TrainConfigOptions = {}): Readonly<TrainConfig> {
  return explainTrainConfig(argv, env, options).config;
}

/** The start-up lines: every setting that decides what is trained. */
export function describeRun(r: ResolvedTrainConfig, teachers: number): string[] {
  const { trainer: t, algo: a, teacher } = r.config;
  const lr = (a.baseLr * t.batchSize) / 256;
  return [
    `student ${t.model} ×${t.width} (head ${a.headHidden}→${a.embedDim}); mode ${a.mode}; ` +
      (teachers ? `teacher ${teacher.model} ×${teacher.width} (head ${teacher.headHidden}→${teacher.embedDim}, ${teacher.checkpoint || `random, seed ${teacher.seed}`}, BN ${teacher.bnMode})` : 'no teacher'),
    `${t.epochs} epochs of batch ${t.batchSize} at ${t.size} px on ${r.config.augment.dataset || 'the bundled sample'}${t.limitImages ? ` (first ${t.limitImages} images)` : ''}; ` +
      `K ${a.k}, m ${a.m}, T ${a.t}, λ ${a.lambda} (${a.mseReduction}), lr ${lr.toPrecision(3)} (${a.baseLr} per 256, ${a.lrSchedule}), ghost batch ${a.ghostBatchSize}`,
    `preset ${r.preset} (${r.presetReason})${r.teacherManifest ? `; teacher settings from ${r.teacherManifest}` : ''}${r.file ? `; config file ${r.file}` : ''}; --print-config shows every value and its source`,
  ];
}
