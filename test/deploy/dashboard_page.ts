/**
 * A self-contained HTML page (inline SVG, no scripts, nothing fetched) drawing the dashboard's
 * main panels from Prometheus query_range results, laid out like Grafana's dark theme, so that
 * headless Chromium can screenshot it (render_dashboard.ts).
 */
import type { RangeSeries } from './prometheus_server.ts';

export interface ChartSeries {
  label: string;
  points: [number, number][];
}

export interface Chart {
  title: string;
  unit: string;
  series: ChartSeries[];
  /** A dashed horizontal line (an alert threshold). */
  threshold?: number;
}

const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#8ab8ff', '#fade2a'];
const W = 460;
const H = 230;
const PAD = { left: 58, right: 12, top: 30, bottom: 46 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `{{label}}` legend templates filled from the series' labels. */
export function toChartSeries(result: RangeSeries[], legend: string): ChartSeries[] {
  return result.map((s) => ({
    label: legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => s.metric[k] ?? '') || JSON.stringify(s.metric),
    points: s.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
  }));
}

export function formatValue(v: number, unit: string): string {
  if (unit === 'percentunit') return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
  if (unit === 'bytes') return v >= 1e6 ? `${(v / 1e6).toFixed(1)} MB` : `${(v / 1e3).toFixed(0)} kB`;
  const suffix = unit === 's' ? ' s' : unit === 'reqps' ? '/s' : '';
  const abs = Math.abs(v);
  const text = abs === 0 ? '0' : abs >= 100 ? v.toFixed(0) : abs >= 1 ? v.toFixed(1) : abs >= 0.01 ? v.toFixed(3) : v.toExponential(1);
  return text + suffix;
}

function niceTicks(min: number, max: number, count = 4): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  const top = Math.ceil(max / step - 1e-9) * step;
  for (let t = Math.floor(min / step) * step; t <= top + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function chartSvg(chart: Chart, t0: number, t1: number): string {
  const values = chart.series.flatMap((s) => s.points.map(([, v]) => v));
  if (chart.threshold !== undefined) values.push(chart.threshold);
  const lo = Math.min(0, ...values);
  const ticks = niceTicks(lo, Math.max(...values, lo + 1e-9));
  const [yMin, yMax] = [ticks[0], ticks[ticks.length - 1]];
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - yMin) / (yMax - yMin || 1)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [`<text x="10" y="19" class="title">${esc(chart.title)}</text>`];
  for (const t of ticks) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(t) + 4}" class="axis" text-anchor="end">${esc(formatValue(t, chart.unit))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const label = new Date(t * 1000).toISOString().slice(11, 19);
    const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
    parts.push(`<text x="${x(t)}" y="${H - PAD.bottom + 15}" class="axis" text-anchor="${anchor}">${label}</text>`);
  }
  if (chart.threshold !== undefined) parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(chart.threshold)}" y2="${y(chart.threshold)}" class="threshold"/>`);
  chart.series.forEach((s, i) => {
    const d = s.points.map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (d) parts.push(`<path d="${d}" stroke="${COLORS[i % COLORS.length]}" class="line"/>`);
  });
  let lx = PAD.left;
  chart.series.slice(0, 6).forEach((s, i) => {
    const text = s.label.length > 28 ? `${s.label.slice(0, 27)}…` : s.label;
    parts.push(`<rect x="${lx}" y="${H - 17}" width="10" height="3" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="${H - 13}" class="legend">${esc(text)}</text>`);
    lx += 22 + text.length * 6.2;
  });
  if (chart.series.length === 0) parts.push(`<text x="${W / 2}" y="${H / 2}" class="axis" text-anchor="middle">no data</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

export function dashboardPage(options: { title: string; subtitle: string; charts: Chart[]; start: number; end: number; columns?: number }): string {
  const columns = options.columns ?? 3;
  const panels = options.charts.map((c) => `<div class="panel">${chartSvg(c, options.start, options.end)}</div>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(options.title)}</title><style>
body { margin: 0; padding: 16px; background: #111217; font-family: "DejaVu Sans", Arial, sans-serif; color: #ccccdc; width: ${columns * (W + 10) + 20}px; }
h1 { font-size: 18px; margin: 0 0 4px; font-weight: 600; } p { font-size: 12px; margin: 0 0 12px; color: #8e8e9e; }
.grid-wrap { display: grid; grid-template-columns: repeat(${columns}, ${W}px); gap: 10px; }
.panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 3px; }
.title { fill: #ccccdc; font-size: 13px; font-weight: 600; } .axis { fill: #8e8e9e; font-size: 10px; } .legend { fill: #ccccdc; font-size: 10.5px; }
.grid { stroke: #2c3235; stroke-width: 1; } .line { fill: none; stroke-width: 1.8; } .threshold { stroke: #f2495c; stroke-width: 1.2; stroke-dasharray: 5 4; }
</style></head><body><h1>${esc(options.title)}</h1><p>${esc(options.subtitle)}</p><div class="grid-wrap">${panels}</div></body></html>`;
}
