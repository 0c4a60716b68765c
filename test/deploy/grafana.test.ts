/**
 * The Grafana dashboard (deploy/grafana/disco-training.json) offline: valid against our JSON
 * schema of Grafana's dashboard model (ajv), structurally sound (ids, grid, variables, data
 * source), every panel query parses as PromQL (promtool) and names only metrics the services
 * export. A broken copy must be refused by each check. (That every query returns data from a
 * real run is prometheus.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import { allPanels, dashboardProblems, loadDashboard, panelQueries, type Dashboard } from './dashboard.ts';
import { definedMetricNames, metricNamesIn } from './metric_names.ts';
import { REPO_ROOT, promtool } from './prometheus_tools.ts';

const schema = JSON.parse(readFileSync(new URL('./grafana_dashboard.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

function schemaErrors(dashboard: unknown): string[] {
  return validate(dashboard) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

const clone = (d: Dashboard): Dashboard => structuredClone(d);

test('the dashboard matches the Grafana dashboard schema', () => {
  assert.deepEqual(schemaErrors(loadDashboard()), []);
});

test('the schema refuses a misspelt key, a panel without targets and a grid position off the grid', () => {
  const typo = clone(loadDashboard()) as unknown as { panels: Record<string, unknown>[] };
  typo.panels[1].gridpos = typo.panels[1].gridPos;
  assert.ok(schemaErrors(typo).some((e) => e.includes('additionalProperty') && e.includes('gridpos')), 'misspelt gridPos');
  const noTargets = clone(loadDashboard());
  noTargets.panels[1].targets = [];
  assert.ok(schemaErrors(noTargets).some((e) => e.startsWith('/panels/1/targets')), 'empty targets');
  const offGrid = clone(loadDashboard());
  offGrid.panels[1].gridPos.w = 30;
  assert.ok(schemaErrors(offGrid).some((e) => e.startsWith('/panels/1/gridPos/w')), 'w 30');
});

test('the dashboard is structurally sound: unique ids, no overlaps, variables defined, one data source', () => {
  const dashboard = loadDashboard();
  assert.deepEqual(dashboardProblems(dashboard), []);
  const panels = allPanels(dashboard).filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 20, `${panels.length} panels`);
  // The panels the issue asks for.
  const titles = panels.map((p) => p.title);
  for (const t of ['Throughput', 'Data-wait fraction', 'Losses', 'Learning rate', 'Augment images / s', 'Augment CPU', 'Teacher images / s', 'Teacher batch latency', 'Rejected images']) {
    assert.ok(titles.includes(t), `panel '${t}'`);
  }
});

test('the structural checks catch overlapping panels, a duplicate id and an undefined variable', () => {
  const broken = clone(loadDashboard());
  const [a, b] = allPanels(broken).filter((p) => p.type === 'timeseries');
  b.gridPos = { ...a.gridPos };
  b.id = a.id;
  a.targets![0].expr = a.targets![0].expr.replace('$namespace', '$cluster');
  const problems = dashboardProblems(broken).join('\n');
  assert.match(problems, /overlap/);
  assert.match(problems, new RegExp(`panel id ${a.id} is used twice`));
  assert.match(problems, /undefined variable \$cluster/);
});

test('every panel query names only metrics the services export', () => {
  const known = definedMetricNames();
  const unknown = panelQueries(loadDashboard(), { rateInterval: '1m' }).flatMap((q) => metricNamesIn(q.expr).filter((n) => !known.has(n)).map((n) => `${q.panel}/${q.refId}: ${n}`));
  assert.deepEqual(unknown, []);
});

/** Writes the queries as recording rules and asks promtool to parse them. */
function parseWithPromtool(exprs: string[]): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'disco-dashboard-'));
  try {
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    writeFileSync(join(dir, 'queries.yml'), stringify(rules));
    return promtool(['check', 'rules', 'queries.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every panel query parses as PromQL (promtool)', () => {
  const queries = panelQueries(loadDashboard(), { rateInterval: '1m' });
  const r = parseWithPromtool(queries.map((q) => q.expr));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${queries.length} rules found`));
  const bad = parseWithPromtool(['sum(rate(disco_trainer_images_total[1m])']);
  assert.notEqual(bad.status, 0, 'an unbalanced parenthesis must not parse');
});

test('docs/dashboard.png is a rendering of the main panels (made by render_dashboard.ts)', () => {
  const png = readFileSync(join(REPO_ROOT, 'docs', 'dashboard.png'));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.ok(width >= 1200 && height >= 800, `${width}×${height}`);
});
