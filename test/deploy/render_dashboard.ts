/**
 * docs/dashboard.png: the Grafana dashboard's main panels, drawn from a real Prometheus scraping
 * a real `disco train` run (there is no Grafana here). Starts the run and Prometheus as the
 * integration test does, lets it train for a while, fetches each panel's own queries with
 * query_range, draws them on a self-contained page (dashboard_page.ts) and screenshots it with
 * headless Chromium (Debian's `chromium` package, driven by playwright-core).
 *   node --import tsx test/deploy/render_dashboard.ts [--seconds 240] [--out docs/dashboard.png] [--html]
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium } from 'playwright-core';
import { DASHBOARD_FILE, allPanels, expandVariables, loadDashboard } from './dashboard.ts';
import { dashboardPage, toChartSeries, type Chart } from './dashboard_page.ts';
import { LocalRun } from './local_run.ts';
import { fastRules, localScrapeConfig } from './local_prometheus.ts';
import { PrometheusServer } from './prometheus_server.ts';
import { REPO_ROOT, findTool } from './prometheus_tools.ts';

/** The panels drawn, by dashboard title, in page order. */
export const MAIN_PANELS = [
  'Throughput',
  'Data-wait fraction',
  'Step time by phase',
  'Losses',
  'Learning rate',
  'Lease window',
  'Online kNN accuracy',
  'Augment images / s',
  'Augment stage time (p95)',
  'Rejected images',
  'Teacher images / s',
  'Teacher batch latency',
  'Augment CPU',
];

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '240'));
  const out = arg('out', join(REPO_ROOT, 'docs', 'dashboard.png'));
  const dashboard = loadDashboard();
  const run = await LocalRun.start();
  const prometheus = await PrometheusServer.start({ 'prometheus.yml': localScrapeConfig(run.metricsPorts, '2s'), ...fastRules({ window: '1m', for: '10s' }) });
  try {
    await run.waitForMetrics(120_000);
    const start = Date.now() / 1000;
    process.stdout.write(`training for ${seconds} s while Prometheus scrapes every 2 s ...\n`);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const end = Date.now() / 1000;
    const charts: Chart[] = [];
    for (const title of MAIN_PANELS) {
      const panel = allPanels(dashboard).find((p) => p.title === title);
      if (!panel) throw new Error(`no panel '${title}' in the dashboard`);
      const series = [];
      for (const t of panel.targets ?? []) {
        const expr = expandVariables(t.expr, dashboard, { rateInterval: '30s' });
        series.push(...toChartSeries(await prometheus.queryRange(expr, start, end, 4), t.legendFormat ?? ''));
      }
      const steps = panel.fieldConfig?.defaults.thresholds?.steps ?? [];
      const threshold = panel.type === 'timeseries' && steps.length > 1 ? (steps[1].value ?? undefined) : undefined;
      charts.push({ title, unit: panel.fieldConfig?.defaults.unit ?? 'none', series, threshold });
    }
    const html = dashboardPage({
      title: `${dashboard.title}: main panels of the Grafana dashboard ${relative(REPO_ROOT, DASHBOARD_FILE)}`,
      subtitle: `Rendered from a real Prometheus scraping \`disco train\` on loopback (trainer, teacher and augment processes; demo preset, batch 16, wasm backend, a dataset with 3 broken files), ${seconds} s, queries as in the dashboard with $__rate_interval = 30s.`,
      charts,
      start,
      end,
    });
    const browser = await chromium.launch({ executablePath: findTool('chromium'), args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1460, height: 900 }, deviceScaleFactor: 1 });
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: out, fullPage: true });
    } finally {
      await browser.close();
    }
    if (process.argv.includes('--html')) writeFileSync(out.replace(/\.png$/, '.html'), html);
    process.stdout.write(`wrote ${out} (${charts.length} panels)\n`);
  } finally {
    await Promise.allSettled([run.stop(), prometheus.stop()]);
  }
}

await main();
