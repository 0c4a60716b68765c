/**
 * The project's own Prometheus files, adapted to a test run: prometheus.local.yml with its
 * targets moved to the run's metrics ports and a 1 s scrape and rule interval, and the rule
 * files with their time scales shrunk (every `for:` and every range window) so an alert can be
 * forced within seconds. The expressions are otherwise the ones shipped.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { PROMETHEUS_DIR } from './prometheus_tools.ts';
import type { Role } from './local_run.ts';

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
}

/** prometheus.yml text: the local static config pointed at `ports`, scraped every `interval`. */
export function localScrapeConfig(ports: Record<Role, number>, interval = '1s'): string {
  const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.local.yml'), 'utf8')) as { global: Record<string, string>; scrape_configs: ScrapeConfig[] };
  config.global = { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  for (const job of config.scrape_configs) {
    const role = job.job_name.replace(/^disco-/, '') as Role;
    if (!(role in ports)) throw new Error(`prometheus.local.yml: job ${job.job_name} is not a disco role`);
    job.static_configs = [{ targets: [`127.0.0.1:${ports[role]}`] }];
  }
  return stringify(config);
}

export interface TimeScale {
  /** Every range window (`[5m]`, `[30m]`) becomes this. */
  window: string;
  /** Every alert's `for:` becomes this. */
  for: string;
}

/** rules/<file> → text, with the time scale shrunk. */
export function fastRules(scale: TimeScale): Record<string, string> {
  const dir = join(PROMETHEUS_DIR, 'rules');
  const out: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { groups: { rules: { expr: string; for?: string }[] }[] };
    for (const g of doc.groups) {
      for (const r of g.rules) {
        r.expr = r.expr.replace(/\[\d+[smhd]\]/g, `[${scale.window}]`);
        if (r.for) r.for = scale.for;
      }
    }
    out[`rules/${file}`] = stringify(doc);
  }
  return out;
}
