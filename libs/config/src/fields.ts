/**
 * The leaves of a config schema, read from its JSON Schema (zod's `toJSONSchema`), each with its
 * flag and environment variable: path `augment.imagesInFlight` ↔ flag
 * `--augment.images-in-flight` (or the key path as a JSON file spells it,
 * `--augment.imagesInFlight`) ↔ env `DISCO_AUGMENT_IMAGES_IN_FLIGHT`. Strings from flags and env
 * are turned into the leaf's type here; an unknown flag gets the closest known one suggested.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export type LeafType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]' | 'number[]';

export interface ConfigField {
  path: string[];
  flag: string;
  env: string;
  type: LeafType;
  enum?: readonly string[];
  description?: string;
  default?: unknown;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  anyOf?: JsonSchema[];
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

function leafType(js: JsonSchema, where: string): LeafType {
  const t = Array.isArray(js.type) ? js.type.find((x) => x !== 'null') : js.type;
  if (t === 'array') {
    const it = js.items?.type;
    if (it === 'string') return 'string[]';
    if (it === 'number' || it === 'integer') return 'number[]';
    throw new ConfigError(`config schema: ${where} is an array of ${String(it)}; only string and number arrays are supported`);
  }
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return t;
  if (js.enum) return 'string';
  if (js.anyOf) return leafType(js.anyOf.find((a) => a.type !== 'null') ?? {}, where);
  throw new ConfigError(`config schema: ${where} has type ${String(t)}; leaves must be strings, numbers, booleans or arrays`);
}

export function configFields(schema: z.ZodType, envPrefix = 'DISCO'): ConfigField[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: ConfigField[] = [];
  const walk = (js: JsonSchema, path: string[]) => {
    if (js.properties) {
      for (const [k, v] of Object.entries(js.properties)) walk(v, [...path, k]);
      return;
    }
    const where = path.join('.');
    out.push({
      path,
      flag: path.map(kebab).join('.'),
      env: [envPrefix, ...path.map(snake)].join('_'),
      type: leafType(js, where),
      enum: js.enum?.map(String),
      description: js.description,
      default: js.default,
    });
  };
  walk(root, []);
  const seen = new Map<string, string>();
  for (const f of out) {
    const clash = seen.get(f.env);
    if (clash) throw new ConfigError(`config schema: ${f.path.join('.')} and ${clash} both map to ${f.env}`);
    seen.set(f.env, f.path.join('.'));
  }
  return out;
}

/** Turns a flag or env string into the leaf's type (the schema checks ranges afterwards). */
export function parseLeaf(field: ConfigField, raw: string, source: string): unknown {
  const fail = (why: string) => new ConfigError(`${source}: '${raw}' ${why}`);
  switch (field.type) {
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw fail('is not a number');
      return n;
    }
    case 'boolean':
      if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) return true;
      if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
      throw fail('is not a boolean (true/false)');
    case 'string[]':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'number[]':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
        const n = Number(s);
        if (!Number.isFinite(n)) throw fail(`has '${s}', not a number`);
        return n;
      });
  }
}

/**
 * Every spelling a flag may take, to its field: the kebab-case flag (`trainer.run-dir`) and the
 * key path as the config file writes it (`trainer.runDir`).
 */
export function flagIndex(fields: readonly ConfigField[]): Map<string, ConfigField> {
  const index = new Map<string, ConfigField>();
  for (const f of fields) {
    for (const spelling of new Set([f.flag, f.path.join('.')])) {
      const clash = index.get(spelling);
      if (clash && clash !== f) throw new ConfigError(`config schema: ${f.path.join('.')} and ${clash.path.join('.')} both answer to --${spelling}`);
      index.set(spelling, f);
    }
  }
  return index;
}

/** Edit distance (insertions, deletions, substitutions) between `a` and `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** `trainer.runDir`, `Trainer.Run_Dir` → `trainer.run-dir` (for comparing, not for matching). */
const normalise = (name: string) => name.split('.').map((s) => kebab(s).replace(/_/g, '-').replace(/^-/, '')).join('.');

/**
 * The flags an unknown `--<name>` most likely meant: a flag spelled the same up to case, dashes
 * and underscores; else every flag with the same last part (`--epochs` → `--trainer.epochs`);
 * else the nearest flags within an edit distance of 2, or a third of their length.
 */
export function suggestFlags(fields: readonly ConfigField[], name: string): string[] {
  const want = normalise(name);
  const loose = (s: string) => s.replace(/-/g, '');
  const same = fields.filter((f) => loose(f.flag) === loose(want));
  if (same.length) return same.map((f) => f.flag);
  const leaf = want.split('.').pop()!;
  const sameLeaf = fields.filter((f) => f.flag.split('.').pop() === leaf && f.flag !== want);
  if (sameLeaf.length) return sameLeaf.map((f) => f.flag);
  const scored = fields.map((f) => ({ flag: f.flag, d: editDistance(want, f.flag) })).filter((x) => x.d <= Math.max(2, Math.floor(x.flag.length / 3)));
  const best = Math.min(...scored.map((x) => x.d));
  return scored.filter((x) => x.d === best).map((x) => x.flag);
}
