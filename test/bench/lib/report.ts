/** `npm run bench -- report [--dir D] [--bench a,b]`: the markdown table of every result JSON, for the README. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFlags } from './args.ts';
import { RESULTS_DIR, type BenchResult } from './result.ts';

const FLAGS = {
  dir: { kind: 'string', default: RESULTS_DIR, help: 'folder of result JSONs' },
  bench: { kind: 'string', help: 'only these benches, comma-separated (e.g. train-step,embed)' },
} as const;

function cell(x: number | null, digits: number): string {
  return x === null ? '—' : x.toFixed(digits);
}

function sig(x: number | null): string {
  return x === null ? '—' : String(Number(x.toPrecision(3)));
}

function loads(r: BenchResult): string {
  const entries = Object.entries(r.load_avg_1m ?? {});
  return entries.length ? entries.map(([k, v]) => `${k} ${v ?? '—'}`).join(', ') : '—';
}

function mins(r: BenchResult): string {
  return r.ours_min_ms === undefined ? '—' : `${cell(r.ours_min_ms, 0)} / ${cell(r.pytorch_min_ms, 0)}`;
}

/** Side-by-side rows only: other benches (augment, dataplane) write JSONs of their own shape here. */
function isSideBySide(x: unknown): x is BenchResult {
  const r = x as Partial<BenchResult>;
  return typeof r?.bench === 'string' && typeof r.ours_ms === 'number' && typeof r.model === 'string';
}

/** One markdown row per result, train-step rows first, then by model and width. */
export function markdownTable(results: readonly BenchResult[]): string {
  const sorted = [...results].sort((a, b) => b.bench.localeCompare(a.bench) || a.model.localeCompare(b.model) || a.width - b.width);
  const head = '| bench | model | width | batch | px | ours (backend) ms | PyTorch ms | ratio | min ours / PyTorch ms | GFLOP/step | ours GFLOP/s | PyTorch GFLOP/s | iters | load avg |';
  const rule = '|' + '---|'.repeat(14);
  const rows = sorted.map((r) =>
    `| ${r.bench} | ${r.model} | ${r.width} | ${r.batch} | ${r.size} | ${cell(r.ours_ms, 0)} (${r.backend}) | ${cell(r.pytorch_ms, 0)} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} | ${mins(r)} | ${sig(r.gflop_per_step)} | ${sig(r.ours_gflops)} | ${sig(r.pytorch_gflops)} | ${r.iters} | ${loads(r)} |`,
  );
  return [head, rule, ...rows].join('\n');
}

export async function loadResults(dir: string): Promise<BenchResult[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const all = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as unknown));
  return all.filter(isSideBySide);
}

export async function run(args: string[]): Promise<string> {
  const { dir, bench } = parseFlags('report', FLAGS, args);
  const only = bench?.split(',');
  const table = markdownTable((await loadResults(dir!)).filter((r) => !only || only.includes(r.bench)));
  process.stdout.write(table + '\n');
  return table;
}
