/**
 * A small chart renderer: line charts and grouped bar charts drawn as SVG by code, laid out in
 * a grid of panels, and rasterised to PNG with sharp (librsvg; DejaVu Sans on Debian).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

export interface Series {
  name: string;
  points: readonly { x: number; y: number }[];
  color?: string;
  dashed?: boolean;
  /** Draw a dot on each point (for short series such as per-epoch values). */
  markers?: boolean;
}

export interface LineChart {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Fixed y range; default: the data's, padded. */
  yMin?: number;
  yMax?: number;
  /** Where the legend goes (default: rows above the plot area). */
  legend?: 'above' | 'top-right' | 'bottom-right';
}

export interface BarChart {
  kind: 'bar';
  title: string;
  yLabel: string;
  /** One group per category (x axis); one bar per measure within a group. */
  categories: readonly string[];
  measures: readonly { name: string; values: readonly (number | null)[]; color?: string }[];
  yMin?: number;
  yMax?: number;
  /** Format of the value printed above each bar. */
  format?: (v: number) => string;
}

export type Chart = LineChart | BarChart;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function range(values: readonly number[], lo?: number, hi?: number): [number, number] {
  const finite = values.filter(Number.isFinite);
  let a = lo ?? Math.min(...finite);
  let b = hi ?? Math.max(...finite);
  if (!finite.length) [a, b] = [0, 1];
  if (a === b) [a, b] = [a - 1, b + 1];
  const pad = (b - a) * 0.05;
  return [lo ?? a - pad, hi ?? b + pad];
}

type Margins = { left: number; right: number; top: number; bottom: number };
const M: Margins = { left: 64, right: 16, top: 34, bottom: 46 };
const textWidth = (s: string) => 6.5 * s.length;
const itemWidth = (name: string) => 38 + textWidth(name);

/** Legend items laid out left to right in rows no wider than `width`. */
function legendRows<T extends { name: string }>(items: readonly T[], width: number): T[][] {
  const rows: T[][] = [[]];
  let used = 0;
  for (const it of items) {
    if (used + itemWidth(it.name) > width && rows[rows.length - 1].length) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push(it);
    used += itemWidth(it.name);
  }
  return rows;
}

function axes(M: Margins, w: number, h: number, title: string, xLabel: string, yLabel: string, yTicks: number[], sy: (v: number) => string): string[] {
  const out = [
    `<rect x="0" y="0" width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${(M.left + w - M.right) / 2}" y="${h - 8}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${(M.top + h - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${w - M.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${M.left - 5}" y="${Number(sy(t)) + 4}" text-anchor="end" font-size="11">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${w - M.left - M.right}" height="${h - M.top - M.bottom}" fill="none" stroke="#444"/>`);
  return out;
}

function legendItem(s: { name: string; color: string; dashed?: boolean }, x: number, y: number): string[] {
  return [
    `<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    `<text x="${x + 25}" y="${y + 4}" font-size="11">${esc(s.name)}</text>`,
  ];
}

function legend(items: readonly { name: string; color: string; dashed?: boolean }[], x: number, y: number): string[] {
  const width = Math.max(...items.map((s) => itemWidth(s.name))) - 6;
  const box = `<rect x="${x - 6}" y="${y - 10}" width="${width.toFixed(0)}" height="${16 * items.length + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`;
  return [box, ...items.flatMap((s, i) => legendItem(s, x, y + 16 * i))];
}

function lineSvg(c: LineChart, w: number, h: number): string {
  const colored = c.series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length] }));
  const place = c.legend ?? 'above';
  const rows = place === 'above' ? legendRows(colored, w - M.left - M.right) : [];
  const m: Margins = { ...M, top: M.top + 18 * rows.length };
  const xs = c.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = c.series.flatMap((s) => s.points.map((p) => p.y));
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys, c.yMin, c.yMax);
  const px = (v: number) => (m.left + ((v - x0) / (x1 - x0)) * (w - m.left - m.right)).toFixed(1);
  const py = (v: number) => (h - m.bottom - ((v - y0) / (y1 - y0)) * (h - m.top - m.bottom)).toFixed(1);
  const out = axes(m, w, h, c.title, c.xLabel, c.yLabel, niceTicks(y0, y1), py);
  for (const t of niceTicks(x0, x1, 6)) out.push(`<text x="${px(t)}" y="${h - m.bottom + 15}" text-anchor="middle" font-size="11">${fmt(t)}</text>`);
  for (const s of colored) {
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    if (s.markers) for (const p of pts) out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${s.color}"/>`);
  }
  if (place === 'above') {
    rows.forEach((row, r) => {
      let x = m.left + 4;
      for (const it of row) {
        out.push(...legendItem(it, x, M.top + 6 + 18 * r));
        x += itemWidth(it.name);
      }
    });
  } else {
    const legendW = Math.max(...colored.map((s) => itemWidth(s.name)));
    out.push(...legend(colored, w - m.right - legendW, place === 'top-right' ? m.top + 16 : h - m.bottom - 16 * colored.length - 4));
  }
  return out.join('\n');
}

function barSvg(c: BarChart, w: number, h: number): string {
  const values = c.measures.flatMap((m) => m.values.filter((v): v is number => v !== null));
  const [y0, y1] = range([...values, 0], c.yMin ?? 0, c.yMax);
  const py = (v: number) => (h - M.bottom - ((v - y0) / (y1 - y0)) * (h - M.top - M.bottom)).toFixed(1);
  const out = axes(M, w, h, c.title, '', c.yLabel, niceTicks(y0, y1), py);
  const groupW = (w - M.left - M.right) / c.categories.length;
  const barW = (groupW * 0.8) / c.measures.length;
  const format = c.format ?? fmt;
  c.categories.forEach((cat, g) => {
    const gx = M.left + g * groupW + groupW * 0.1;
    out.push(`<text x="${gx + groupW * 0.4}" y="${h - M.bottom + 15}" text-anchor="middle" font-size="11">${esc(cat)}</text>`);
    c.measures.forEach((m, j) => {
      const v = m.values[g];
      if (v === null || v === undefined) return;
      const x = gx + j * barW;
      const color = m.color ?? PALETTE[j % PALETTE.length];
      out.push(`<rect x="${x.toFixed(1)}" y="${py(v)}" width="${(barW - 2).toFixed(1)}" height="${(Number(py(y0)) - Number(py(v))).toFixed(1)}" fill="${color}"/>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${Number(py(v)) - 3}" text-anchor="middle" font-size="10">${esc(format(v))}</text>`);
    });
  });
  out.push(...legend(c.measures.map((m, j) => ({ name: m.name, color: m.color ?? PALETTE[j % PALETTE.length] })), M.left + 10, M.top + 14));
  return out.join('\n');
}

/** One SVG document: the charts in a grid of `cols` columns, each panel `panelW` × `panelH`. */
export function renderSvg(charts: readonly Chart[], opts: { cols?: number; panelW?: number; panelH?: number } = {}): string {
  const cols = Math.min(opts.cols ?? 1, charts.length);
  const [pw, ph] = [opts.panelW ?? 720, opts.panelH ?? 400];
  const rows = Math.ceil(charts.length / cols);
  const panels = charts.map((c, i) => {
    const body = c.kind === 'line' ? lineSvg(c, pw, ph) : barSvg(c, pw, ph);
    return `<svg x="${(i % cols) * pw}" y="${Math.floor(i / cols) * ph}" width="${pw}" height="${ph}">\n${body}\n</svg>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * pw}" height="${rows * ph}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    '</svg>',
  ].join('\n');
}

/** Renders `charts` to a PNG file; returns its pixel size. */
export async function writeChartPng(path: string, charts: readonly Chart[], opts: Parameters<typeof renderSvg>[1] = {}): Promise<{ width: number; height: number }> {
  mkdirSync(dirname(path), { recursive: true });
  const info = await sharp(Buffer.from(renderSvg(charts, opts))).png({ compressionLevel: 9 }).toFile(path);
  return { width: info.width, height: info.height };
}
