/**
 * The Grafana dashboard as data: its panels' PromQL with Grafana's variables expanded (so
 * Prometheus can run them), and the structural rules ajv's schema cannot express (unique ids,
 * a tidy 24-column grid, every variable defined, every panel on the dashboard's data source).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_DIR } from './prometheus_tools.ts';

export const DASHBOARD_FILE = join(DEPLOY_DIR, 'grafana', 'disco-training.json');

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

export interface Panel {
  id: number;
  type: string;
  title?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: { unit?: string; min?: number; max?: number; thresholds?: { steps: { color: string; value: number | null }[] } } };
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; allValue?: string | null }[] };
}

export function loadDashboard(file = DASHBOARD_FILE): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
  legendFormat?: string;
}

/** Grafana's built-in variables the dashboard may use. */
export const BUILTIN_VARIABLES = ['__rate_interval', '__interval', '__range'] as const;

export interface Expansion {
  /** `$__rate_interval` (and `$__interval`, `$__range`) becomes this duration. */
  rateInterval: string;
}

/** Replaces `$var`, `${var}` and `[[var]]` with the dashboard variable's value: its allValue (".*"), or a built-in. */
export function expandVariables(expr: string, dashboard: Dashboard, expansion: Expansion): string {
  const values = new Map<string, string>(BUILTIN_VARIABLES.map((v) => [v, expansion.rateInterval]));
  for (const v of dashboard.templating.list) if (v.type !== 'datasource') values.set(v.name, v.allValue ?? '.*');
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const value = values.get(name);
    if (value === undefined) throw new Error(`query uses $${name}, which the dashboard does not define: ${expr}`);
    return value;
  });
}

/** Every target of every panel, variables expanded. */
export function panelQueries(dashboard: Dashboard, expansion: Expansion): PanelQuery[] {
  return allPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title ?? `#${p.id}`, refId: t.refId, expr: expandVariables(t.expr, dashboard, expansion), legendFormat: t.legendFormat })),
  );
}

/** Structural problems the JSON schema cannot see; empty when the dashboard is sound. */
export function dashboardProblems(dashboard: Dashboard): string[] {
  const problems: string[] = [];
  const panels = allPanels(dashboard);
  const ids = new Set<number>();
  for (const p of panels) {
    if (ids.has(p.id)) problems.push(`panel id ${p.id} is used twice`);
    ids.add(p.id);
    const { x, w } = p.gridPos;
    if (x + w > 24) problems.push(`panel '${p.title}' runs past the 24-column grid (x ${x} + w ${w})`);
  }
  // No two panels may cover the same cell.
  for (let i = 0; i < panels.length; i++) {
    for (let j = i + 1; j < panels.length; j++) {
      const a = panels[i].gridPos;
      const b = panels[j].gridPos;
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      if (overlap) problems.push(`panels '${panels[i].title}' and '${panels[j].title}' overlap`);
    }
  }
  const variables = dashboard.templating.list;
  const dsVariable = variables.find((v) => v.type === 'datasource');
  if (!dsVariable) problems.push('no datasource variable: panels cannot follow the chosen Prometheus');
  const defined = new Set<string>([...variables.map((v) => v.name), ...BUILTIN_VARIABLES]);
  for (const p of panels) {
    if (p.type === 'row') continue;
    const uid = dsVariable ? `\${${dsVariable.name}}` : '';
    if (p.datasource?.uid !== uid || p.datasource?.type !== 'prometheus') problems.push(`panel '${p.title}' does not use the dashboard's Prometheus data source ${uid}`);
    const refIds = new Set<string>();
    for (const t of p.targets ?? []) {
      if (refIds.has(t.refId)) problems.push(`panel '${p.title}' uses refId ${t.refId} twice`);
      refIds.add(t.refId);
      if (t.datasource && t.datasource.uid !== p.datasource?.uid) problems.push(`panel '${p.title}' target ${t.refId} has another data source`);
      for (const m of t.expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)) {
        const name = m[1] ?? m[2] ?? m[3];
        if (!defined.has(name)) problems.push(`panel '${p.title}' target ${t.refId} uses undefined variable $${name}`);
      }
    }
  }
  return problems;
}
