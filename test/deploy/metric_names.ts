/**
 * Metric names the services really define (read from each service's `metrics.ts` and
 * libs/metrics), so a dashboard or rule that names a metric nobody exports fails offline,
 * before any Prometheus runs.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './prometheus_tools.ts';

/** prom-client's default metrics we use, and the series Prometheus adds per target. */
const EXTERNAL = ['up', 'process_cpu_seconds_total', 'process_start_time_seconds', 'process_resident_memory_bytes'];

function sources(): string[] {
  const files: string[] = [];
  for (const service of readdirSync(join(REPO_ROOT, 'services'))) {
    const f = join(REPO_ROOT, 'services', service, 'src', 'metrics.ts');
    if (existsSync(f)) files.push(f);
  }
  const lib = join(REPO_ROOT, 'libs', 'metrics', 'src');
  for (const f of readdirSync(lib)) if (f.endsWith('.ts')) files.push(join(lib, f));
  return files;
}

/** Every exported series name: counters, gauges, and histograms with _bucket/_sum/_count. */
export function definedMetricNames(): Set<string> {
  const names = new Set<string>(EXTERNAL);
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{[^]*?name: '([a-z_:][a-z0-9_:]*)'/g)) {
      const [, kind, name] = m;
      names.add(name);
      if (kind === 'Histogram' || kind === 'Summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    }
  }
  return names;
}

/** Metric names a PromQL expression reads (identifiers followed by a selector or range, not functions or labels). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const withoutSelectors = withoutGroupings.replace(/\{[^}]*\}/g, '{}');
  const names: string[] = [];
  for (const m of withoutSelectors.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[|\)|$|\s*[-+*/<>=!]|\s+(and|or|unless)\b)/g)) {
    const name = m[1];
    if (/^(sum|max|min|avg|count|rate|increase|changes|abs|histogram_quantile|by|without|on|and|or|unless|bool|offset|Inf|NaN)$/.test(name)) continue;
    if (/^\d/.test(name)) continue;
    names.push(name);
  }
  return names;
}
