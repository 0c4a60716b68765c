/**
 * Flag parsing for benches: a typed spec per bench on top of `node:util` `parseArgs`, so
 * every flag has a kind, a default and a help line, and a bad value names the flag.
 */
import { parseArgs } from 'node:util';
import { BenchUsageError } from './errors.ts';

export type FlagSpec =
  | { kind: 'int'; default?: number; min?: number; help: string }
  | { kind: 'number'; default?: number; help: string }
  | { kind: 'string'; default?: string; choices?: readonly string[]; help: string }
  | { kind: 'boolean'; help: string };

export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed value type of each flag: booleans are always set; others may be undefined without a default. */
export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends { kind: 'int' } | { kind: 'number' } ? number | undefined : S[K] extends { kind: 'boolean' } ? boolean : string | undefined;
};

/** `--name <kind>  help (default …)` lines for `--help` and usage errors. */
export function usage(bench: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg = s.kind === 'boolean' ? '' : s.kind === 'string' && s.choices ? ` <${s.choices.join('|')}>` : ` <${s.kind}>`;
    const dflt = 'default' in s && s.default !== undefined ? ` (default ${s.default})` : '';
    return [`  --${name}${arg}`, `${s.help}${dflt}`] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return [`usage: npm run bench -- ${bench} [flags]`, '', ...rows.map(([left, right]) => `${left.padEnd(width)}  ${right}`)].join('\n');
}

/** Parses `argv` against `specs`; throws `BenchUsageError` naming the flag on any problem. */
export function parseFlags<S extends FlagSpecs>(bench: string, specs: S, argv: readonly string[]): ParsedFlags<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, s] of Object.entries(specs)) options[name] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    throw new BenchUsageError(`${bench}: ${(err as Error).message.split('\n')[0]}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const raw = values[name];
    if (s.kind === 'boolean') out[name] = raw === true;
    else if (s.kind === 'int') out[name] = raw === undefined ? s.default : parseInt(bench, name, raw as string, s.min);
    else if (s.kind === 'number') {
      const n = raw === undefined ? s.default : Number(raw);
      if (n !== undefined && !(Number.isFinite(n) && n > 0)) throw new BenchUsageError(`${bench}: --${name} '${raw}' is not a positive number`);
      out[name] = n;
    }
    else {
      if (raw !== undefined && s.choices && !s.choices.includes(raw as string)) {
        throw new BenchUsageError(`${bench}: --${name} '${raw}' is not one of ${s.choices.join(', ')}`);
      }
      out[name] = raw ?? s.default;
    }
  }
  return out as ParsedFlags<S>;
}

function parseInt(bench: string, name: string, raw: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(raw)) throw new BenchUsageError(`${bench}: --${name} '${raw}' is not an integer`);
  const n = Number(raw);
  if (n < min) throw new BenchUsageError(`${bench}: --${name} ${n} must be at least ${min}`);
  return n;
}
