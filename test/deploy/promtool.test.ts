/**
 * deploy/prometheus checked by Prometheus's own tools: `promtool check config` on both scrape
 * configs, `check rules`, the rules' unit tests (`promtool test rules`), every alert covered by a
 * unit test, every metric a rule reads really exported; and the Kubernetes scrape config's
 * relabelling run by a real Prometheus on made-up pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { definedMetricNames, metricNamesIn } from './metric_names.ts';
import { PROMETHEUS_DIR, promtool } from './prometheus_tools.ts';
import { PrometheusServer } from './prometheus_server.ts';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const ruleFiles = readdirSync(join(PROMETHEUS_DIR, 'rules')).filter((f) => f.endsWith('.yml')).sort();
const rules = ruleFiles.flatMap((f) => (parse(readFileSync(join(PROMETHEUS_DIR, 'rules', f), 'utf8')) as RuleFile).groups.flatMap((g) => g.rules));

test('promtool check config: the local (static) scrape config and its rule files', () => {
  const r = promtool(['check', 'config', 'prometheus.local.yml']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: prometheus.local.yml is valid/);
});

/** prometheus.yml with its Kubernetes discovery swapped for a file (Debian's Prometheus is built without Kubernetes SD). */
function kubernetesConfigOnFile(podsFile: string, interval = '15s'): string {
  const config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as { global: Record<string, string>; rule_files?: string[]; scrape_configs: Record<string, unknown>[] };
  const [job] = config.scrape_configs;
  assert.deepEqual(job.kubernetes_sd_configs, [{ role: 'pod' }], 'prometheus.yml discovers pods');
  delete job.kubernetes_sd_configs;
  job.file_sd_configs = [{ files: [podsFile], refresh_interval: '1s' }];
  config.global.scrape_interval = interval;
  delete config.rule_files;
  return stringify(config);
}

test('promtool check config: the Kubernetes scrape config (its relabel rules and regexes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-promcfg-'));
  try {
    writeFileSync(join(dir, 'prometheus.yml'), kubernetesConfigOnFile('pods.json'));
    writeFileSync(join(dir, 'pods.json'), '[]');
    const r = promtool(['check', 'config', 'prometheus.yml'], dir);
    assert.equal(r.status, 0, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Kubernetes relabelling, run by a real Prometheus: one target per disco pod, job/instance/namespace from the pod', async () => {
  const pod = (name: string, labels: Record<string, string>) =>
    ['50051', '9101'].map((port) => ({
      targets: [`10.1.0.${name.length}:${port}`],
      labels: {
        __meta_kubernetes_namespace: 'ml',
        __meta_kubernetes_pod_name: name,
        __meta_kubernetes_pod_node_name: 'node-a',
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_label_app_kubernetes_io_part_of: 'disco',
        __meta_kubernetes_pod_label_app_kubernetes_io_name: 'disco-trainer',
        __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
        __meta_kubernetes_pod_annotation_prometheus_io_port: '9101',
        __meta_kubernetes_pod_container_port_number: port,
        ...labels,
      },
    }));
  const pods = [
    ...pod('disco-trainer-0', {}),
    ...pod('other-app-x', { __meta_kubernetes_pod_label_app_kubernetes_io_part_of: 'other' }),
    ...pod('disco-opted-out', { __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'false' }),
    ...pod('disco-finished', { __meta_kubernetes_pod_phase: 'Succeeded' }),
  ];
  const server = await PrometheusServer.start({ 'prometheus.yml': kubernetesConfigOnFile('pods.json', '1h'), 'pods.json': JSON.stringify(pods) });
  try {
    let active: { labels: Record<string, string>; scrapeUrl: string }[] = [];
    for (let i = 0; i < 50 && active.length === 0; i++) {
      active = (await server.targets()).activeTargets;
      if (active.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(
      active.map((t) => ({ ...t.labels, url: t.scrapeUrl })),
      [{ job: 'disco-trainer', instance: 'disco-trainer-0', namespace: 'ml', pod: 'disco-trainer-0', node: 'node-a', url: 'http://10.1.0.15:9101/metrics' }],
      server.log(),
    );
  } finally {
    await server.stop();
  }
});

test('promtool check rules: recording and alerting rules', () => {
  const r = promtool(['check', 'rules', ...ruleFiles.map((f) => `rules/${f}`)]);
  assert.equal(r.status, 0, r.output);
  assert.equal([...r.output.matchAll(/SUCCESS: \d+ rules found/g)].length, ruleFiles.length, r.output);
});

test('promtool test rules: the unit tests in deploy/prometheus/tests pass', () => {
  const tests = readdirSync(join(PROMETHEUS_DIR, 'tests')).filter((f) => f.endsWith('.test.yml'));
  assert.ok(tests.length >= 2, tests.join(', '));
  const r = promtool(['test', 'rules', ...tests.map((f) => `tests/${f}`)]);
  assert.equal(r.status, 0, r.output);
  assert.equal([...r.output.matchAll(/SUCCESS/g)].length, tests.length, r.output);
});

test('every alert has a unit test in which it fires', () => {
  const firing = new Set<string>();
  for (const f of readdirSync(join(PROMETHEUS_DIR, 'tests')).filter((n) => n.endsWith('.test.yml'))) {
    const doc = parse(readFileSync(join(PROMETHEUS_DIR, 'tests', f), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
    for (const t of doc.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length > 0) firing.add(a.alertname);
  }
  const alerts = rules.filter((r) => r.alert).map((r) => r.alert!);
  assert.ok(alerts.length >= 5, alerts.join(', '));
  assert.deepEqual(alerts.filter((a) => !firing.has(a)), []);
});

test('the rules read only metrics the services export (or other recording rules)', () => {
  const known = definedMetricNames();
  for (const r of rules) if (r.record) known.add(r.record);
  const unknown = rules.flatMap((r) => metricNamesIn(r.expr).filter((n) => !known.has(n)).map((n) => `${r.alert ?? r.record}: ${n}`));
  assert.deepEqual(unknown, []);
});

test('promtool refuses a broken rule (so the checks above can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'disco-badrule-'));
  try {
    writeFileSync(join(dir, 'bad.yml'), stringify({ groups: [{ name: 'bad', rules: [{ alert: 'Broken', expr: 'rate(disco_trainer_steps_total[5m] == 0' }] }] }));
    const r = promtool(['check', 'rules', 'bad.yml'], dir);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /bad\.yml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
