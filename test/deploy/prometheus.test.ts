/**
 * The monitoring stack against a real run: `disco train` (trainer, teacher and augment
 * processes on loopback) scraped every second by a real Prometheus configured with
 * deploy/prometheus/prometheus.local.yml and the shipped rules (time scales shrunk). Every
 * panel query of the Grafana dashboard must return data; the recording rules and the
 * prometheus-adapter query too; and alerts fire when their condition is forced: the augment
 * worker frozen (SIGSTOP) stalls the trainer, the trainer frozen makes it unscrapable (down).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadDashboard, panelQueries, type PanelQuery } from './dashboard.ts';
import { LocalRun } from './local_run.ts';
import { fastRules, localScrapeConfig } from './local_prometheus.ts';
import { PrometheusServer } from './prometheus_server.ts';
import { DEPLOY_DIR } from './prometheus_tools.ts';

const RATE_WINDOW = '30s';
let run: LocalRun;
let prometheus: PrometheusServer;

before(async () => {
  run = await LocalRun.start();
  prometheus = await PrometheusServer.start({ 'prometheus.yml': localScrapeConfig(run.metricsPorts), ...fastRules({ window: '20s', for: '1s' }) });
  await run.waitForMetrics(120_000);
});

after(async () => {
  await Promise.allSettled([run?.stop(), prometheus?.stop()]);
});

const finite = (v: string) => Number.isFinite(Number(v));

/** Polls until every query returns at least one finite sample; returns those that never did. */
async function waitForData(queries: PanelQuery[], timeoutMs: number): Promise<{ missing: string[]; seconds: number }> {
  const t0 = Date.now();
  let missing: string[] = [];
  do {
    missing = [];
    for (const q of queries) {
      const result = await prometheus.query(q.expr);
      if (!result.some((s) => finite(s.value[1]))) missing.push(`${q.panel} ${q.refId}: ${q.expr}`);
    }
    if (missing.length === 0) break;
    await new Promise((r) => setTimeout(r, 2000));
  } while (Date.now() - t0 < timeoutMs);
  return { missing, seconds: (Date.now() - t0) / 1000 };
}

test('every panel query of the dashboard returns data from the run', { timeout: 240_000 }, async () => {
  const queries = panelQueries(loadDashboard(), { rateInterval: RATE_WINDOW });
  assert.ok(queries.length >= 25, `${queries.length} queries`);
  const { missing, seconds } = await waitForData(queries, 180_000);
  assert.deepEqual(missing, [], `queries without data after ${seconds} s\n${run.tail()}`);
  process.stdout.write(`# all ${queries.length} panel queries returned data ${seconds.toFixed(0)} s after the roles served /metrics\n`);
  // Per-replica panels name the replica; the rejects panel saw the planted broken files.
  const perReplica = await prometheus.query(`sum by (instance) (rate(disco_augment_images_total{job="disco-augment"}[${RATE_WINDOW}]))`);
  assert.deepEqual(perReplica.map((s) => s.metric.instance), [`127.0.0.1:${run.metricsPorts.augment}`]);
  const reasons = (await prometheus.query('sum by (reason) (disco_augment_images_rejected_total)')).map((s) => s.metric.reason);
  assert.ok(reasons.length > 0, 'rejected images counted by reason');
});

test('the recording rules and the prometheus-adapter query return data', { timeout: 120_000 }, async () => {
  const rules = ['namespace:disco_trainer_images:rate1m', 'namespace:disco_trainer_data_wait:ratio_rate5m', 'instance:disco_augment_images:rate1m', 'instance:disco_teacher_views:rate1m'];
  const adapter = parse(readFileSync(join(DEPLOY_DIR, 'k8s/components/autoscaling-data-wait/prometheus-adapter-rules.yaml'), 'utf8')) as { rules: { custom: { metricsQuery: string }[] } };
  const adapterQuery = adapter.rules.custom[0].metricsQuery.replaceAll('<<.LabelMatchers>>', 'job="disco-trainer"').replaceAll('<<.GroupBy>>', 'job');
  const { missing } = await waitForData([...rules, adapterQuery].map((expr, i) => ({ panel: 'rule', refId: String(i), expr })), 60_000);
  assert.deepEqual(missing, []);
  const [ratio] = await prometheus.query(adapterQuery);
  assert.ok(Number(ratio.value[1]) >= 0 && Number(ratio.value[1]) <= 1, `data-wait ratio ${ratio.value[1]}`);
});

async function waitForAlert(name: string, timeoutMs: number): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const firing = (await prometheus.alerts()).find((a) => a.labels.alertname === name && a.state === 'firing');
    if (firing) return firing.labels;
    if (Date.now() > deadline) throw new Error(`${name} did not fire within ${timeoutMs} ms; alerts: ${JSON.stringify(await prometheus.alerts())}\n${run.tail()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('DiscoTrainerStalled fires when the augment worker is frozen', { timeout: 150_000 }, async () => {
  run.signal('augment', 'SIGSTOP');
  try {
    const labels = await waitForAlert('DiscoTrainerStalled', 120_000);
    assert.equal(labels.job, 'disco-trainer');
    assert.equal(labels.severity, 'critical');
  } finally {
    run.signal('augment', 'SIGCONT');
  }
});

test('DiscoTrainerDown fires when the trainer stops answering scrapes', { timeout: 90_000 }, async () => {
  const before = await prometheus.alerts();
  assert.ok(!before.some((a) => a.labels.alertname === 'DiscoTrainerDown' && a.state === 'firing'), 'not firing while the trainer answers');
  run.signal('trainer', 'SIGSTOP');
  try {
    const labels = await waitForAlert('DiscoTrainerDown', 60_000);
    assert.equal(labels.instance, `127.0.0.1:${run.metricsPorts.trainer}`);
  } finally {
    run.signal('trainer', 'SIGCONT');
  }
});
