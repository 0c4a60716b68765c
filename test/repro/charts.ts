/**
 * The reproduction's plots, from results.json: accuracy bars, the head-width ablation, loss
 * curves per run and across modes, and kNN vs epoch. Returns the PNG files it wrote.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeChartPng, type Chart, type Series } from './plot.ts';
import type { EvalEntry, Results, RunEntry } from './results.ts';
import { seedRows } from './seed_rows.ts';

/** Fixed colours per run, so every plot shows a mode in the same colour. */
export const RUN_COLORS: Record<string, string> = {
  'random-init': '#7f7f7f',
  teacher: '#000000',
  'teacher-32px': '#444444',
  mocov2: '#1f77b4',
  disco: '#d62728',
  'mse-only': '#ff7f0e',
  seed: '#2ca02c',
  'disco-h128': '#e377c2',
  'disco-h2048': '#8c564b',
  'mocov2-s1': '#6baed6',
  'disco-s1': '#fc9272',
};
const colorOf = (name: string) => RUN_COLORS[name] ?? '#17becf';
const pct = (v: number) => `${v.toFixed(1)}`;

const TERM_LABELS: Record<string, string> = {
  contrastive: 'InfoNCE (contrastive)',
  distill1: 'MSE view 1 (distill1)',
  distill2: 'MSE view 2 (distill2)',
  seed: 'SEED cross-entropy',
};

function accuracyBars(title: string, rows: { label: string; entry: EvalEntry | null }[]): Chart {
  return {
    kind: 'bar',
    title,
    yLabel: 'top-1 accuracy (%)',
    categories: rows.map((r) => r.label),
    measures: [
      { name: 'kNN (k=200) top-1', values: rows.map((r) => (r.entry?.knn ? 100 * r.entry.knn.top1 : null)), color: '#4c72b0' },
      { name: 'linear probe top-1', values: rows.map((r) => (r.entry?.linear ? 100 * r.entry.linear.top1 : null)), color: '#dd8452' },
    ],
    yMin: 0,
    yMax: 100,
    format: pct,
  };
}

function termSeries(run: RunEntry, term: string): Series | null {
  const points = (run.curves?.curve ?? []).filter((p) => term in p.terms).map((p) => ({ x: p.step, y: p.terms[term] }));
  return points.length ? { name: run.name, points, color: colorOf(run.name) } : null;
}

/** Loss panels of one run: the differentiated total, then each term on its own scale. */
function runLossCharts(run: RunEntry): Chart[] {
  const curve = run.curves?.curve ?? [];
  const terms = [...new Set(curve.flatMap((p) => Object.keys(p.terms)))];
  const charts: Chart[] = [
    { kind: 'line', title: `${run.name}: loss that was differentiated`, xLabel: 'step', yLabel: 'loss', series: [{ name: 'total', points: curve.map((p) => ({ x: p.step, y: p.loss })), color: colorOf(run.name) }] },
  ];
  const contrastive = terms.filter((t) => t === 'contrastive');
  const distill = terms.filter((t) => t.startsWith('distill'));
  const other = terms.filter((t) => t !== 'contrastive' && !t.startsWith('distill'));
  for (const group of [contrastive, distill, other]) {
    if (!group.length) continue;
    charts.push({
      kind: 'line',
      title: `${run.name}: ${group.map((t) => t.replace(/\d$/, '')).filter((t, i, a) => a.indexOf(t) === i).join(', ')}`,
      xLabel: 'step',
      yLabel: 'term value',
      series: group.map((t, i) => ({ name: TERM_LABELS[t] ?? t, points: curve.filter((p) => t in p.terms).map((p) => ({ x: p.step, y: p.terms[t] })), dashed: i > 0 })),
    });
  }
  return charts;
}

export async function writeCharts(results: Results, dir: string): Promise<string[]> {
  const written: string[] = [];
  const png = async (file: string, charts: Chart[], cols = 1) => {
    if (!charts.length) return;
    await writeChartPng(join(dir, file), charts, { cols });
    written.push(file);
  };
  const all = Object.values(results.runs);
  const baseSeed = Math.min(...all.map((r) => r.seed));
  /** The base seed's runs (the other seeds appear only in the per-seed chart and kNN vs epoch). */
  const runs = all.filter((r) => r.seed === baseSeed);
  const run = (n: string) => results.runs[n] ?? null;
  const refs = results.references;
  const main = [
    { label: 'random init', entry: refs['random-init'] ?? null },
    { label: 'teacher', entry: refs.teacher ?? null },
    ...['mocov2', 'disco', 'mse-only', 'seed'].map((n) => ({ label: n, entry: run(n)?.eval ?? null })),
  ].filter((r) => r.entry);
  if (main.length) await png('accuracy.png', [accuracyBars(`Frozen-feature accuracy on ${results.settings.eval.testImages} Fashion-MNIST test images`, main)]);

  const ablation = runs.filter((r) => r.mode === 'disco' && r.eval).sort((a, b) => a.headHidden - b.headHidden);
  if (ablation.length > 1) {
    await png('ablation-head.png', [accuracyBars('DisCo student head hidden width (distilling bottleneck)', [{ label: 'MoCo-v2', entry: run('mocov2')?.eval ?? null }, ...ablation.map((r) => ({ label: `DisCo h${r.headHidden}`, entry: r.eval }))])]);
  }

  const seeds = seedRows(results);
  if (seeds.length > 1) {
    const bars = (k: 'knn' | 'linear'): Chart => ({
      kind: 'bar',
      title: `${k === 'knn' ? 'kNN' : 'linear probe'} top-1 per training seed`,
      yLabel: 'top-1 accuracy (%)',
      categories: seeds.map((r) => `seed ${r.seed}`),
      measures: [
        { name: 'initial weights', values: seeds.map((r) => 100 * r.init![k]!.top1), color: colorOf('random-init') },
        { name: 'MoCo-v2', values: seeds.map((r) => 100 * r.mocov2![k]!.top1), color: colorOf('mocov2') },
        { name: 'DisCo', values: seeds.map((r) => 100 * r.disco![k]!.top1), color: colorOf('disco') },
      ],
      yMin: 0,
      yMax: 100,
      format: pct,
    });
    await png('seeds.png', [bars('knn'), bars('linear')], 2);
  }

  for (const r of runs.filter((x) => x.curves)) await png(`loss-${r.name}.png`, runLossCharts(r), 2);

  const across: Chart[] = [];
  const contrastive = runs.map((r) => termSeries(r, 'contrastive')).filter((s): s is Series => s !== null);
  const K = Number((results.settings.trainConfig as { algo: { k: number } }).algo.k);
  const steps = Math.max(0, ...contrastive.flatMap((c) => c.points.map((p) => p.x)));
  if (contrastive.length) contrastive.push({ name: `chance: ln(1+K) = ${Math.log(1 + K).toFixed(2)}`, points: [{ x: 0, y: Math.log(1 + K) }, { x: steps, y: Math.log(1 + K) }], color: '#999999', dashed: true });
  if (contrastive.length) across.push({ kind: 'line', title: 'InfoNCE term (mse-only: computed, not trained on)', xLabel: 'step', yLabel: 'InfoNCE', series: contrastive });
  const distill = runs.map((r) => termSeries(r, 'distill1')).filter((s): s is Series => s !== null);
  if (distill.length) across.push({ kind: 'line', title: 'distillation MSE, view 1 (batchmean, before λ)', xLabel: 'step', yLabel: '‖t − q‖² per image', series: distill });
  await png('losses-by-mode.png', across, 2);

  const knn = all.filter((r) => r.knnByEpoch.length > 2).map((r): Series => ({ name: r.name, points: r.knnByEpoch.map((k) => ({ x: k.epoch, y: 100 * k.top1 })), color: colorOf(r.name), markers: true }));
  if (knn.length) {
    const teacher = refs.teacher?.knn;
    const epochs = Math.max(...knn.flatMap((s) => s.points.map((p) => p.x)));
    if (teacher) knn.push({ name: 'teacher', points: [{ x: 0, y: 100 * teacher.top1 }, { x: epochs, y: 100 * teacher.top1 }], color: colorOf('teacher'), dashed: true });
    await png('knn-vs-epoch.png', [{ kind: 'line', title: 'kNN top-1 of the student after each epoch (epoch 0 = initial weights)', xLabel: 'epoch', yLabel: 'kNN top-1 (%)', series: knn }]);
  }
  // Plots of runs no longer shown (e.g. an earlier layout) would linger beside the report.
  for (const f of readdirSync(dir)) if (/^loss-.*\.png$/.test(f) && !written.includes(f)) rmSync(join(dir, f));
  return written;
}
