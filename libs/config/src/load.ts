/**
 * Config flows one way, so every value has exactly one winning source: schema defaults → named layers (e.g. `disco train`'s
 * loopback settings, the demo preset) → JSON file → environment → flags → validated once →
 * deeply frozen; `loadConfigExplained` also says which source gave each value. The file is named by `--config <path>` or `DISCO_CONFIG`.
 * A flag is spelled in kebab case (`--trainer.run-dir`) or as the file's key path
 * (`--trainer.runDir`). Unknown flags (with the likely intended one suggested) and unknown keys
 * in the file are errors; unknown `DISCO_*` variables are left alone (other parts of disco read
 * some, e.g. DISCO_BACKEND).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { configFields, flagIndex, parseLeaf, suggestFlags, type ConfigField } from './fields.ts';

export interface ConfigSources {
  /** Command-line arguments after the command name. */
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** A JSON file; overrides `--config` and `DISCO_CONFIG`. */
  file?: string;
  /** Plain object applied after the file and before env (tests, composition roots). */
  overrides?: Record<string, unknown>;
  /** Named partial configs over the schema defaults and under the file, in order (lowest first). */
  layers?: readonly ConfigLayer[];
  envPrefix?: string;
}

export interface ConfigLayer {
  /** Where its values come from, as `--print-config` names it (e.g. 'preset demo'). */
  name: string;
  values: Record<string, unknown>;
}

/** A loaded config and, for every leaf (`trainer.epochs`), the source that set it. */
export interface ExplainedConfig<T> {
  config: Readonly<T>;
  /** 'default', a layer's name, 'file <path>', 'env <VAR>', 'flag --<name>', or 'overrides'. */
  origins: ReadonlyMap<string, string>;
  /** The config file that was read, if any. */
  file?: string;
}

/** Every leaf path of a plain object (arrays are leaves). */
function leafPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...leafPaths(v as Record<string, unknown>, [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `base` with `over` laid on top, as a new tree: neither input is shared with the result (flags are written into it). */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(v) ? merge(isPlainObject(b) ? b : {}, v) : v;
  }
  return out;
}

/** Splits argv into `--key value` / `--key=value` pairs; a bare boolean flag means true. */
function parseFlags(argv: readonly string[], fields: readonly ConfigField[]): { config?: string; values: [ConfigField, string][] } {
  const byFlag = flagIndex(fields);
  const values: [ConfigField, string][] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`argument '${arg}': expected --<key> <value>`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    const field = byFlag.get(name);
    if (name !== 'config' && !field) {
      const guesses = suggestFlags(fields, name).map((f) => `--${f}`);
      const hint = guesses.length === 0 ? '' : guesses.length === 1 ? `; did you mean ${guesses[0]}?` : `; did you mean one of ${guesses.join(', ')}?`;
      throw new ConfigError(`unknown flag --${name}${hint} (see --help for the list)`);
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (field?.type === 'boolean' && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) throw new ConfigError(`flag --${name} needs a value`);
      else value = argv[++i];
    }
    if (name === 'config') config = value;
    else values.push([field!, value]);
  }
  return { config, values };
}

/** Loads, validates and freezes a config. Throws ConfigError naming the source and key. */
export function loadConfig<S extends z.ZodType>(schema: S, sources: ConfigSources = {}): Readonly<z.output<S>> {
  return loadConfigExplained(schema, sources).config;
}

/** `loadConfig`, and where each value came from. */
export function loadConfigExplained<S extends z.ZodType>(schema: S, sources: ConfigSources = {}): ExplainedConfig<z.output<S>> {
  const prefix = sources.envPrefix ?? 'DISCO';
  const env = sources.env ?? process.env;
  const fields = configFields(schema, prefix);
  const flags = parseFlags(sources.argv ?? [], fields);
  const origins = new Map<string, string>(fields.map((f) => [f.path.join('.'), 'default']));
  const record = (values: Record<string, unknown>, origin: string) => {
    for (const path of leafPaths(values)) origins.set(path.join('.'), origin);
  };

  let layered: Record<string, unknown> = {};
  for (const layer of sources.layers ?? []) {
    layered = merge(layered, layer.values);
    record(layer.values, layer.name);
  }
  const file = sources.file ?? flags.config ?? env[`${prefix}_CONFIG`];
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: not a JSON object`);
    layered = merge(layered, parsed as Record<string, unknown>);
    record(parsed as Record<string, unknown>, `file ${file}`);
  }
  if (sources.overrides) {
    layered = merge(layered, sources.overrides);
    record(sources.overrides, 'overrides');
  }
  for (const field of fields) {
    const raw = env[field.env];
    // Unset — or empty for a number or a flag (a Kubernetes downward-API value that is missing, say).
    if (raw === undefined || (raw === '' && field.type !== 'string' && field.type !== 'string[]')) continue;
    setPath(layered, field.path, parseLeaf(field, raw, `env ${field.env}`));
    origins.set(field.path.join('.'), `env ${field.env}`);
  }
  for (const [field, raw] of flags.values) {
    setPath(layered, field.path, parseLeaf(field, raw, `flag --${field.flag}`));
    origins.set(field.path.join('.'), `flag --${field.flag}`);
  }

  const result = schema.safeParse(layered);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const field = fields.find((f) => f.path.join('.') === key);
      const how = field ? ` (flag --${field.flag}, env ${field.env})` : '';
      return `${key || '(root)'}: ${issue.message}${how}`;
    });
    throw new ConfigError(`invalid config${file ? ` (file ${file})` : ''}:\n  ${lines.join('\n  ')}`);
  }
  return { config: deepFreeze(result.data) as Readonly<z.output<S>>, origins, file };
}

/**
 * The effective config as `--print-config` shows it: one line per leaf, `key = value  (source)`,
 * in schema order.
 */
export function formatExplainedConfig(explained: ExplainedConfig<unknown>): string {
  const lines: string[] = [];
  for (const path of leafPaths(explained.config as Record<string, unknown>)) {
    const key = path.join('.');
    let value: unknown = explained.config;
    for (const p of path) value = (value as Record<string, unknown>)[p];
    lines.push(`${key} = ${JSON.stringify(value)}  (${explained.origins.get(key) ?? 'default'})`);
  }
  return lines.join('\n');
}

/** The value at `path` of a plain nested object, or undefined. */
export function valueAt(values: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * `--help` text: every flag with its env var, default and description. `defaults` (a partial
 * config, e.g. a command's own layer) replaces the schema's default where it sets one, so the
 * text shows what actually applies.
 */
export function describeConfig(schema: z.ZodType, envPrefix = 'DISCO', defaults: Record<string, unknown> = {}): string {
  return configFields(schema, envPrefix)
    .map((f) => {
      const override = valueAt(defaults, f.path);
      const shown = override === undefined ? f.default : override;
      const def = shown === undefined ? '' : ` (default ${JSON.stringify(shown)})`;
      const choices = f.enum ? ` one of ${f.enum.join('|')}` : '';
      return `  --${f.flag} <${f.type}>  env ${f.env}${def}${choices}\n      ${f.description ?? ''}`;
    })
    .join('\n');
}
