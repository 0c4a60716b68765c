/**
 * The trainer's live page, served at `/` on its metrics port: one self-contained HTML document
 * (inline CSS and script, no external asset: it works air-gapped) that polls `/status.json`
 * every two seconds and draws the run's state, progress and ETA, images/s, data wait, the loss
 * terms and the online kNN as curves (inline SVG), and the health of every role it can see.
 */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>disco trainer</title>
<style>
  :root { --fg: #1d232a; --muted: #66707a; --line: #d8dde3; --bg: #f6f7f9; --card: #fff; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; gap: 12px; align-items: baseline; padding: 14px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  .badge { padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eaeef2; }
  .badge.TRAINING, .badge.SERVING, .badge.DONE { background: #dafbe1; color: var(--ok); }
  .badge.STARTING, .badge.STOPPING, .badge.UNKNOWN, .badge.NOT_SERVING { background: #fff8c5; color: var(--warn); }
  .badge.FAILED, .badge.UNREACHABLE { background: #ffebe9; color: var(--bad); }
  main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  section h2 { font-size: 13px; margin: 0 0 8px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
  .wide { grid-column: 1 / -1; }
  .bar { height: 12px; background: #eaeef2; border-radius: 6px; overflow: hidden; margin: 6px 0; }
  .bar > div { height: 100%; background: #2f81f7; width: 0; }
  .figures { display: flex; flex-wrap: wrap; gap: 22px; }
  .figure b { display: block; font-size: 20px; }
  .figure span { color: var(--muted); font-size: 12px; }
  svg { width: 100%; height: 180px; display: block; }
  .legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); }
  .muted { color: var(--muted); }
  #error { color: var(--bad); }
</style>
</head>
<body>
<header><h1 id="run">disco</h1><span class="badge" id="state">…</span><span class="muted" id="what"></span><span id="error"></span></header>
<main>
  <section class="wide">
    <h2>Progress</h2>
    <div id="position" class="muted">waiting for the trainer…</div>
    <div class="bar"><div id="bar"></div></div>
    <div class="figures">
      <div class="figure"><b id="pct">–</b><span>done</span></div>
      <div class="figure"><b id="eta">–</b><span>ETA</span></div>
      <div class="figure"><b id="ips">–</b><span>images/s</span></div>
      <div class="figure"><b id="wait">–</b><span>waiting for data</span></div>
      <div class="figure"><b id="loss">–</b><span>loss</span></div>
      <div class="figure"><b id="lr">–</b><span>learning rate</span></div>
      <div class="figure"><b id="knn">–</b><span>online kNN top-1</span></div>
    </div>
  </section>
  <section><h2>Loss terms by step</h2><svg id="chart-loss" data-testid="chart-loss"></svg><div class="legend" id="legend-loss"></div></section>
  <section><h2>Images/s by step</h2><svg id="chart-ips" data-testid="chart-ips"></svg></section>
  <section><h2>Waiting for data (fraction of step time)</h2><svg id="chart-wait" data-testid="chart-wait"></svg></section>
  <section><h2>Online kNN top-1 by epoch</h2><svg id="chart-knn" data-testid="chart-knn"></svg></section>
  <section class="wide"><h2>Roles</h2><table><thead><tr><th>role</th><th>who</th><th>health</th><th class="muted">detail</th></tr></thead><tbody id="roles"></tbody></table></section>
</main>
<script>
"use strict";
const COLORS = ["#2f81f7", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989"];
const $ = (id) => document.getElementById(id);
const fmtDuration = (s) => {
  if (s === null || !isFinite(s)) return "?";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? h + "h" + String(m).padStart(2, "0") + "m" : m ? m + "m" + String(r).padStart(2, "0") + "s" : r + "s";
};
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** Draws series [{name, points: [[x, y], ...]}] into an SVG, with axes labels at the extremes. */
function draw(svg, series, opts) {
  const W = svg.clientWidth || 400, H = svg.clientHeight || 180, L = 48, B = 20, T = 8, R = 8;
  const all = series.flatMap((s) => s.points);
  if (!all.length) { svg.innerHTML = '<text x="50%" y="50%" text-anchor="middle" fill="#66707a" font-size="12">no data yet</text>'; svg.dataset.points = "0"; return; }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (opts && opts.yMin !== undefined) y0 = Math.min(y0, opts.yMin);
  if (opts && opts.yMax !== undefined) y1 = Math.max(y1, opts.yMax);
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R), Y = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  let out = '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" stroke="#d8dde3"/>';
  out += '<text x="' + (L - 4) + '" y="' + (T + 10) + '" text-anchor="end" font-size="11" fill="#66707a">' + y1.toPrecision(3) + "</text>";
  out += '<text x="' + (L - 4) + '" y="' + (H - B) + '" text-anchor="end" font-size="11" fill="#66707a">' + y0.toPrecision(3) + "</text>";
  out += '<text x="' + L + '" y="' + (H - 4) + '" font-size="11" fill="#66707a">' + x0 + "</text>";
  out += '<text x="' + (W - R) + '" y="' + (H - 4) + '" text-anchor="end" font-size="11" fill="#66707a">' + x1 + "</text>";
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const d = s.points.map((p, j) => (j ? "L" : "M") + X(p[0]).toFixed(1) + " " + Y(p[1]).toFixed(1)).join(" ");
    out += '<path d="' + d + '" fill="none" stroke="' + COLORS[i % COLORS.length] + '" stroke-width="1.6"/>';
    if (s.points.length === 1) out += '<circle cx="' + X(s.points[0][0]) + '" cy="' + Y(s.points[0][1]) + '" r="3" fill="' + COLORS[i % COLORS.length] + '"/>';
  });
  svg.innerHTML = out;
  svg.dataset.points = String(all.length);
}

function render(s) {
  $("run").textContent = "disco · " + s.run;
  $("state").textContent = s.state;
  $("state").className = "badge " + s.state;
  $("what").textContent = s.model + ", mode " + s.mode + (s.message ? " — " + s.message : "");
  document.title = "disco " + s.run + " · " + Math.round(100 * s.fraction) + "% · " + s.state.toLowerCase();
  const epoch = s.epoch >= s.epochs ? s.epochs : s.epoch + 1, step = s.epoch >= s.epochs ? s.stepsPerEpoch : s.step;
  $("position").textContent = "epoch " + epoch + "/" + s.epochs + ", step " + step + "/" + s.stepsPerEpoch + " — " + s.globalStep + " of " + s.totalSteps + " steps; up " + fmtDuration(s.uptimeSeconds);
  $("bar").style.width = (100 * s.fraction).toFixed(1) + "%";
  $("pct").textContent = (100 * s.fraction).toFixed(1) + " %";
  $("eta").textContent = s.state === "DONE" ? "done" : fmtDuration(s.etaSeconds);
  $("ips").textContent = s.imagesPerSecond.toFixed(1);
  $("wait").textContent = (100 * s.dataWaitFraction).toFixed(1) + " %";
  $("loss").textContent = s.losses.total !== undefined ? s.losses.total.toPrecision(4) : "–";
  $("lr").textContent = s.lr ? s.lr.toPrecision(3) : "–";
  $("knn").textContent = s.knn ? (100 * s.knn.top1).toFixed(1) + " %" : "–";
  const terms = [...new Set(s.history.flatMap((p) => Object.keys(p.losses)))];
  draw($("chart-loss"), terms.map((t) => ({ name: t, points: s.history.filter((p) => p.losses[t] !== undefined).map((p) => [p.globalStep, p.losses[t]]) })));
  $("legend-loss").innerHTML = terms.map((t, i) => '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + esc(t) + "</span>").join("");
  draw($("chart-ips"), [{ name: "images/s", points: s.history.map((p) => [p.globalStep, p.imagesPerSecond]) }], { yMin: 0 });
  draw($("chart-wait"), [{ name: "data wait", points: s.history.map((p) => [p.globalStep, p.dataWait]) }], { yMin: 0, yMax: 1 });
  draw($("chart-knn"), [{ name: "top-1", points: s.knnHistory.map((k) => [k.epoch, k.top1]) }], { yMin: 0, yMax: 1 });
  const rows = [["trainer", "this process", s.roles.trainer.state, ""]];
  for (const w of s.roles.workers) rows.push(["augment", w.id, "SERVING", "lease stream open " + fmtDuration(w.connectedSeconds)]);
  if (!s.roles.workers.length) rows.push(["augment", "–", "UNKNOWN", "no worker holds a lease stream"]);
  for (const t of s.roles.teachers) rows.push(["teacher", t.address, t.state, t.detail || (t.checkedAt ? "checked " + fmtDuration((Date.now() - t.checkedAt) / 1000) + " ago" : "")]);
  $("roles").innerHTML = rows.map((r) => "<tr><td>" + esc(r[0]) + "</td><td>" + esc(r[1]) + '</td><td><span class="badge ' + esc(r[2]) + '">' + esc(r[2]) + '</span></td><td class="muted">' + esc(r[3]) + "</td></tr>").join("");
}

async function poll() {
  try {
    const res = await fetch("status.json", { cache: "no-store" });
    render(await res.json());
    $("error").textContent = "";
  } catch (err) {
    $("error").textContent = "trainer unreachable (" + err.message + ")";
  }
  setTimeout(poll, 2000);
}
poll();
</script>
</body>
</html>
`;
