/**
 * `docs/reproduction.md` from results.json: the numbers (computed, never typed in), the plots,
 * the exact commands, hardware and wall times. The hand-written discussion of a budget's run
 * lives in `test/repro/discussion-<budget>.md` and is included verbatim.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, dirname } from 'node:path';
import { writeCharts } from './charts.ts';
import type { Accuracy, EvalEntry, Results, RunEntry } from './results.ts';
import { BUDGETS } from './budgets.ts';
import { seedRows, type SeedRow } from './seed_rows.ts';

const pct = (a: Accuracy | null | undefined, k: 'top1' | 'top5' = 'top1') => (a ? (100 * a[k]).toFixed(2) : '–');
const secs = (s: number | null | undefined) => (s === null || s === undefined ? '–' : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

/** Half-width of the 95 % interval of an accuracy measured on `n` test images (binomial). */
export function ci95(p: number, n: number): number {
  return 1.96 * Math.sqrt((p * (1 - p)) / n);
}

function row(label: string, e: EvalEntry | null, extra: string[]): string {
  return `| ${label} | ${pct(e?.knn)} | ${pct(e?.knn, 'top5')} | ${pct(e?.linear)} | ${pct(e?.linear, 'top5')} | ${extra.join(' | ')} |`;
}

function runRow(r: RunEntry): string {
  const label = r.status === 'done' ? `**${r.name}**` : `${r.name} (not finished)`;
  return row(label, r.eval, [String(r.headHidden), secs(r.trainWallSeconds), r.imagesPerSecond ? r.imagesPerSecond.toFixed(1) : '–', r.eval ? secs(r.eval.wallSeconds) : '–']);
}

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : NaN;
  return { mean, sd };
}

const ms = (xs: readonly number[], sign = false) => {
  const { mean, sd } = meanSd(xs.map((x) => 100 * x));
  const m = sign ? signed(mean) : mean.toFixed(2);
  return Number.isFinite(sd) ? `${m} ± ${sd.toFixed(2)}` : m;
};

/** The across-seeds sentence: paired DisCo − MoCo-v2 differences. */
function acrossSeeds(rows: readonly SeedRow[]): string[] {
  if (rows.length < 2) return [];
  const parts = (['knn', 'linear'] as const).map((k) => {
    const d = rows.map((r) => 100 * (r.disco![k]!.top1 - r.mocov2![k]!.top1));
    const { mean, sd } = meanSd(d);
    const se = sd / Math.sqrt(d.length);
    const wins = d.filter((x) => x > 0).length;
    return `${k === 'knn' ? 'kNN' : 'linear probe'} ${signed(mean)} points (sd ${sd.toFixed(2)} over seeds, standard error ${se.toFixed(2)}; DisCo ahead in ${wins} of ${d.length} seeds)`;
  });
  return [`- **Across ${rows.length} training seeds** (each seed: the same initial weights, plan and augmentation for both modes), DisCo − MoCo-v2 top-1: ${parts.join('; ')}. Per-seed numbers in "Training seeds" below.`];
}

/** The headline sentences, computed from the numbers. */
function headline(res: Results): string[] {
  const mo = res.runs.mocov2?.eval;
  const di = res.runs.disco?.eval;
  const te = res.references.teacher;
  const ri = res.references['random-init'];
  if (!mo || !di) return ['The main comparison (MoCo-v2 vs DisCo) has not finished yet.'];
  const n = di.nTest;
  const out: string[] = [...acrossSeeds(seedRows(res))];
  if (out.length) out.push('- Seed 0 in detail:');
  for (const k of ['knn', 'linear'] as const) {
    const [m, d] = [mo[k], di[k]];
    if (!m || !d) continue;
    const delta = 100 * (d.top1 - m.top1);
    // Two accuracies on the same n test images: the difference's 95 % half-width if their
    // errors were independent (a paired test would need per-image predictions).
    const ci = 100 * Math.SQRT2 * ci95((d.top1 + m.top1) / 2, n);
    const name = k === 'knn' ? 'kNN' : 'linear-probe';
    const verdict = Math.abs(delta) <= ci ? 'within test-set noise' : delta > 0 ? 'DisCo better' : 'MoCo-v2 better';
    let line = `${out.length ? '  ' : ''}- **${name} top-1**: MoCo-v2 ${pct(m)} %, DisCo ${pct(d)} % (${signed(delta)} points, ±${ci.toFixed(2)} = 95 % test-sampling interval of the difference on ${n} images: ${verdict}).`;
    const t = te?.[k];
    if (t) {
      const gap = 100 * (t.top1 - m.top1);
      line += ` Teacher ${pct(t)} %; DisCo is ${(100 * (t.top1 - d.top1)).toFixed(2)} points below it`;
      line += gap > 0 ? (delta >= 0 ? `, closing ${((100 * delta) / gap).toFixed(0)} % of MoCo-v2's ${gap.toFixed(2)}-point gap to the teacher.` : `, further from it than MoCo-v2 (${gap.toFixed(2)} points below).`) : '.';
    }
    const r = ri?.[k];
    if (r) line += ` Initial weights (random init): ${pct(r)} %.`;
    out.push(line);
  }
  return out;
}

/** How much the training speed moved with the load of the shared machine. */
function speedRange(res: Results): string {
  const range = (rs: RunEntry[]) => {
    const v = rs.map((r) => r.imagesPerSecond).filter((x): x is number => x !== null);
    return v.length ? `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} img/s` : '–';
  };
  const runs = Object.values(res.runs);
  return `Training speed moved with what other jobs ran on the machine: MoCo-v2 runs ${range(runs.filter((r) => r.mode === 'mocov2'))}, teacher-fed runs ${range(runs.filter((r) => r.mode !== 'mocov2'))} (the first runs met the heaviest load), so wall times compare loads as much as modes.`;
}

function totalWall(res: Results): number {
  const runs = Object.values(res.runs);
  const evals = [...Object.values(res.references), ...runs.map((r) => r.eval).filter((e): e is EvalEntry => e !== null)];
  return runs.reduce((s, r) => s + (r.trainWallSeconds ?? 0), 0) + evals.reduce((s, e) => s + e.wallSeconds, 0);
}

/** The `full` budget's settings and its expected wall time at this run's measured speeds. */
function fullBudget(res: Results): string[] {
  if (res.budget === 'full' || !existsSync('test/repro/full.json')) return [];
  const full = JSON.parse(readFileSync('test/repro/full.json', 'utf8')) as { trainer: Record<string, number>; algo: Record<string, number> };
  const images = full.trainer.limitImages * full.trainer.epochs;
  const runs = Object.values(res.runs).filter((r) => r.imagesPerSecond);
  const teacherRuns = runs.filter((r) => r.mode !== 'mocov2');
  const ipsTeacher = teacherRuns.reduce((s, r) => s + r.imagesPerSecond!, 0) / Math.max(1, teacherRuns.length);
  const ipsMoco = res.runs.mocov2?.imagesPerSecond ?? null;
  const mocoRuns = BUDGETS.full.runs.filter((r) => r.mode === 'mocov2').length;
  const otherRuns = BUDGETS.full.runs.length - mocoRuns;
  const hours = ipsMoco && ipsTeacher ? (mocoRuns * (images / ipsMoco) + otherRuns * (images / ipsTeacher)) / 3600 : null;
  return [
    '## The `full` budget (for a longer session)',
    '',
    `\`npm run repro -- --budget full\` trains with [\`test/repro/full.json\`](../test/repro/full.json): the first ${full.trainer.limitImages} images (the teacher's own training images) × ${full.trainer.epochs} epochs = ${images} images per run (${Math.floor(full.trainer.limitImages / full.trainer.batchSize) * full.trainer.epochs} steps of ${full.trainer.batchSize}), K = ${full.algo.k}, student head hidden ${full.algo.headHidden} (the paper's), everything else as above; evaluation on 10,000 labelled train / 10,000 test images with a 100-epoch linear probe.`,
    hours
      ? `At this run's measured speeds (MoCo-v2 ${ipsMoco!.toFixed(1)} img/s, teacher-fed modes ${ipsTeacher.toFixed(1)} img/s on average) its ${BUDGETS.full.runs.length} training runs need about ${hours.toFixed(1)} h on this machine, plus about an hour of evaluation; it resumes where it stopped (\`runs/repro/full/\`), so it can be spread over sessions (\`--phases\` picks parts). It trains ${BUDGETS.full.runs.filter((r) => r.phase === 'seeds').length / 2} extra seed(s) of MoCo-v2 and DisCo (\`small\`: ${BUDGETS.small.runs.filter((r) => r.phase === 'seeds').length / 2}); add seeds in \`test/repro/budgets.ts\` if the machine allows — at \`small\` the seed-to-seed spread was 8–10 points.`
      : '',
    '',
  ];
}

export async function writeReport(res: Results, paths: { markdown: string; plots: string }): Promise<void> {
  const pngs = await writeCharts(res, paths.plots);
  const img = (file: string, alt: string) => (pngs.includes(file) ? [`![${alt}](${relative(dirname(paths.markdown), `${paths.plots}/${file}`)})`, ''] : []);
  const cfg = res.settings.trainConfig as { trainer: Record<string, unknown>; algo: Record<string, unknown> };
  const resolved = res.settings.resolvedConfig as { teacher?: Record<string, unknown> } | null;
  const runs = Object.values(res.runs);
  const baseSeed = Math.min(...runs.map((r) => r.seed));
  const mainRuns = runs.filter((r) => !r.name.startsWith('disco-h') && r.seed === baseSeed);
  const seeds = seedRows(res);
  const ablation = runs.filter((r) => r.mode === 'disco' && r.seed === baseSeed).sort((a, b) => a.headHidden - b.headHidden);
  const discussionFile = `test/repro/discussion-${res.budget}.md`;
  const ev = res.settings.eval;
  const refRow = (label: string, e: EvalEntry | undefined) => row(label, e ?? null, ['–', '–', '–', e ? secs(e.wallSeconds) : '–']);
  const epochs = runs.filter((r) => r.knnByEpoch.length > 2);
  const maxEpoch = Math.max(0, ...epochs.flatMap((r) => r.knnByEpoch.map((k) => k.epoch)));

  const md = [
    '# Reproduction: DisCo vs MoCo-v2 in miniature, on Fashion-MNIST',
    '',
    `Budget \`${res.budget}\`, run ${(res.wall?.firstStart ?? res.started).slice(0, 16).replace('T', ' ')} – ${(res.wall?.lastEnd ?? res.updated).slice(0, 16).replace('T', ' ')} UTC. Every number below is read from`,
    '[`repro/results.json`](repro/results.json), which `npm run repro` writes (this page and the plots are generated from it).',
    '',
    '## The answer',
    '',
    ...headline(res),
    '',
    ...(existsSync(discussionFile) ? [readFileSync(discussionFile, 'utf8').trim(), ''] : ['_(Discussion pending: the run is still going.)_', '']),
    '## Results',
    '',
    `Frozen backbone features (student: ${cfg.trainer.model} ×${cfg.trainer.width}, ${(res.runs.mocov2?.eval?.featureDim ?? '?')}-d; teacher ${res.references.teacher?.arch ?? ''} ×${res.references.teacher?.width ?? ''}, ${res.references.teacher?.featureDim ?? '?'}-d), images resized to ${ev.size} px.`,
    `kNN: k = ${ev.knnK}, similarity-weighted votes, T = ${ev.knnT}, bank = ${ev.trainImages} labelled training images. Linear probe: ${ev.linearEpochs} epochs of SGD on the same ${ev.trainImages} images (cosine schedule, no weight decay, standardised features).`,
    `Test set: ${ev.testImages} Fashion-MNIST test images (never trained on). Seed ${baseSeed} in this table; other seeds of MoCo-v2 and DisCo under "Training seeds". Train wall and img/s depend on what else the shared machine ran at the time (see "Hardware and wall time").`,
    '',
    '| model | kNN top-1 % | kNN top-5 % | linear top-1 % | linear top-5 % | head hidden | train wall | train img/s | eval wall |',
    '|---|---|---|---|---|---|---|---|---|',
    refRow('random init (the students\' initial weights)', res.references['random-init']),
    refRow(`teacher (bundled, at ${ev.size} px as in distillation)`, res.references.teacher),
    ...(res.references['teacher-32px'] ? [refRow('teacher at 32 px (its training size)', res.references['teacher-32px'])] : []),

    ...mainRuns.map(runRow),
    '',
    ...img('accuracy.png', 'accuracy bars'),
    '### Distilling-bottleneck ablation (student head hidden width)',
    '',
    ablation.length > 1
      ? ['| DisCo student head | kNN top-1 % | kNN top-5 % | linear top-1 % | linear top-5 % | head hidden | train wall | train img/s | eval wall |', '|---|---|---|---|---|---|---|---|---|', ...ablation.map(runRow)].join('\n')
      : '_Not run yet._',
    '',
    ...img('ablation-head.png', 'head-width ablation'),
    '### Training seeds',
    '',
    seeds.length > 1
      ? [
          'The seed sets the student\'s initial weights, the epoch plan and the augmentation; both modes of one seed share all three. Top-1 %:',
          '',
          '| seed | init kNN | MoCo-v2 kNN | DisCo kNN | DisCo − MoCo-v2 | init linear | MoCo-v2 linear | DisCo linear | DisCo − MoCo-v2 |',
          '|---|---|---|---|---|---|---|---|---|',
          ...seeds.map((r) => `| ${r.seed} | ${pct(r.init!.knn)} | ${pct(r.mocov2!.knn)} | ${pct(r.disco!.knn)} | ${signed(100 * (r.disco!.knn!.top1 - r.mocov2!.knn!.top1))} | ${pct(r.init!.linear)} | ${pct(r.mocov2!.linear)} | ${pct(r.disco!.linear)} | ${signed(100 * (r.disco!.linear!.top1 - r.mocov2!.linear!.top1))} |`),
          `| **mean ± sd** | ${ms(seeds.map((r) => r.init!.knn!.top1))} | ${ms(seeds.map((r) => r.mocov2!.knn!.top1))} | ${ms(seeds.map((r) => r.disco!.knn!.top1))} | ${ms(seeds.map((r) => r.disco!.knn!.top1 - r.mocov2!.knn!.top1), true)} | ${ms(seeds.map((r) => r.init!.linear!.top1))} | ${ms(seeds.map((r) => r.mocov2!.linear!.top1))} | ${ms(seeds.map((r) => r.disco!.linear!.top1))} | ${ms(seeds.map((r) => r.disco!.linear!.top1 - r.mocov2!.linear!.top1), true)} |`,
        ].join('\n')
      : '_Only one seed so far._',
    '',
    ...img('seeds.png', 'per-seed accuracy'),
    '### kNN vs epoch',
    '',
    epochs.length && maxEpoch > 0
      ? [
          'Each epoch-end checkpoint was evaluated with `disco eval <checkpoint> --no-linear` (which reads the student backbone out of a trainer checkpoint) on the same sets as the table above (the trainer\'s online kNN in `knn.jsonl` uses a smaller bank and is not comparable). Epoch 0 is the students\' common initial weights.',
          '',
          `| run | ${Array.from({ length: maxEpoch + 1 }, (_, e) => `epoch ${e}`).join(' | ')} |`,
          `|---|${Array.from({ length: maxEpoch + 1 }, () => '---').join('|')}|`,
          ...epochs.map((r) => `| ${r.name} | ${Array.from({ length: maxEpoch + 1 }, (_, e) => pct(r.knnByEpoch.find((k) => k.epoch === e))).join(' | ')} |`),
        ].join('\n')
      : '_Not evaluated yet._',
    '',
    ...img('knn-vs-epoch.png', 'kNN vs epoch'),
    '### Collapse diagnostic',
    '',
    res.diagnostics
      ? [
          `Mean pairwise cosine similarity of L2-normalised 128-d embeddings (1 = every embedding points the same way, and InfoNCE then sits at its chance value ln(1+K) = ${Math.log(1 + Number(cfg.algo.k)).toFixed(2)}): the key **queue** stored in each epoch-end checkpoint (exactly the negatives InfoNCE used), and the head outputs of the **student** (query) and **key** (momentum) encoders on the first ${res.diagnostics.images} test images, BatchNorm in eval mode (\`test/repro/embedding_spread.ts\`). The teacher's embeddings on the same images: **${res.diagnostics.teacher.toFixed(3)}**.`,
          '',
          '| run | epoch | queue | student | key encoder |',
          '|---|---|---|---|---|',
          ...Object.entries(res.diagnostics.runs).flatMap(([name, rows]) => rows.map((r) => `| ${name} | ${r.epoch} | ${r.queue?.toFixed(3) ?? '–'} | ${r.student.toFixed(3)} | ${r.key?.toFixed(3) ?? '–'} |`)),
        ].join('\n')
      : '_Not measured yet._',
    '',
    '### Loss curves',
    '',
    'From each run\'s record (`runs/repro/<budget>/<run>/record.jsonl`, one line per trained batch), binned. Per-epoch means:',
    '',
    '| run | epoch | loss | ' + ['contrastive', 'distill1', 'distill2', 'seed'].join(' | ') + ' | lr |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.flatMap((r) => (r.curves?.epochs ?? []).map((e) => `| ${r.name} | ${e.epoch + 1} | ${e.loss.toFixed(3)} | ${['contrastive', 'distill1', 'distill2', 'seed'].map((t) => (t in e.terms ? e.terms[t].toFixed(3) : '–')).join(' | ')} | ${e.lr.toPrecision(3)} |`)),
    '',
    ...img('losses-by-mode.png', 'loss terms across modes'),
    ...runs.flatMap((r) => img(`loss-${r.name}.png`, `loss curves of ${r.name}`)),
    '## Caveats',
    '',
    `- One training run per row (seed ${cfg.trainer.seed}; the \`-s1\` rows repeat MoCo-v2 and DisCo with seed 1). The ± intervals above cover only the sampling of ${ev.testImages} test images, not the spread between training seeds, which the \`-s1\` rows show is larger at this size.`,
    `- The budget is tiny: ${cfg.trainer.limitImages} images × ${cfg.trainer.epochs} epochs = ${res.runs.mocov2?.curves?.steps ?? '?'} steps of ${cfg.trainer.batchSize} images per run, against the paper's 200 ImageNet epochs. MoCo-style training has barely started at this length; the numbers test the pipeline and the direction of the effect, not the paper's magnitudes.`,
    `- The teacher is small and weak: it is ${res.references.teacher?.knn && res.references['random-init']?.knn ? `${(100 * (res.references.teacher.knn.top1 - res.references['random-init'].knn.top1)).toFixed(2)} kNN points` : '? points'} above the student's random initial weights (a different, wider network, so this compares architectures too). The paper's teachers are ResNet-50/101/152 at 67–71 % ImageNet linear top-1.`,
    '',
    '## Setup',
    '',
    `- **Training data**: the first ${cfg.trainer.limitImages} images of Fashion-MNIST \`train\` (Debian's \`dataset-fashion-mnist\`, /usr/share/datasets/fashion-mnist), no labels; MoCo-v2 augmentation by the augment service at ${cfg.trainer.size} px.`,
    `- **Student** (every run): ${cfg.trainer.model} ×${cfg.trainer.width}, seed ${cfg.trainer.seed}, ${cfg.trainer.epochs} epochs of batch ${cfg.trainer.batchSize}, MLP head hidden ${cfg.algo.headHidden} → ${cfg.algo.embedDim} (ablation: 128 / 512 / 2048).`,
    `- **Algorithm** (identical for every mode, only \`algo.mode\` differs): K = ${cfg.algo.k}, m = ${cfg.algo.m}, T = ${cfg.algo.t}, λ = ${cfg.algo.lambda} (${cfg.algo.mseReduction}), ghost batch ${cfg.algo.ghostBatchSize}, SGD lr ${cfg.algo.baseLr} × ${cfg.trainer.batchSize}/256 = ${(Number(cfg.algo.baseLr) * Number(cfg.trainer.batchSize)) / 256}, momentum ${cfg.algo.momentum}, weight decay ${cfg.algo.weightDecay}, ${cfg.algo.lrSchedule}. The whole file: [\`${res.settings.configFile}\`](../${res.settings.configFile}).`,
    `- **Teacher**: \`${String(resolved?.teacher?.checkpoint ?? '').replace(/^.*\/services\//, 'services/')}\` (${resolved?.teacher?.model ?? ''} ×${resolved?.teacher?.width ?? ''}, MoCo-v2 in PyTorch on the first 10,240 Fashion-MNIST training images for 4 epochs at 32 px; see its README), BatchNorm ${resolved?.teacher?.bnMode ?? ''} mode, frozen.`,
    '- **Modes**: `mocov2` (InfoNCE only), `disco` (InfoNCE + λ·[MSE(t(x1), q(x1)) + MSE(t(x2), q(x2))]), `mse-only` (the MSE terms only; InfoNCE computed but not trained on), `seed` (SEED: cross-entropy between teacher and student similarity distributions over a queue of teacher embeddings).',
    '',
    '## Exact commands',
    '',
    '`disco` is `node services/cli/bin/disco.mjs` (or `npm run disco --`). The whole set: `npm run repro` (`-- --budget small` is the default; `--phases main,baselines,ablation,seeds,epochs`; `--report-only` rewrites this page from the cached runs). What it ran:',
    '',
    '```sh',
    ...runs.map((r) => r.command),
    ...Object.values(res.references).map((e) => e.command),
    ...runs.map((r) => r.eval?.command).filter((c): c is string => !!c),
    '```',
    '',
    'The evaluation folder `runs/repro/<budget>/data` holds the first N train / test images of Debian\'s Fashion-MNIST as IDX (`test/repro/eval_data.ts` writes it).',
    '',
    ...fullBudget(res),
    '## Hardware and wall time',
    '',
    `${res.hardware.cpus}, ${res.hardware.cores} cores (shared with other jobs: load average ${res.hardware.loadAverageAtStart.join(' / ')} at the start), ${res.hardware.memoryGiB} GiB, Node ${res.hardware.node}, backend ${res.hardware.backend}, no GPU.`,
    res.wall
      ? `Wall time of the whole set: ${secs(res.wall.trainSeconds)} of training (${Object.keys(res.runs).length} runs) + ${secs(res.wall.evalSeconds)} of evaluation (${res.wall.evalCount} \`disco eval\` calls, per-epoch kNN included) = ${secs(res.wall.trainSeconds + res.wall.evalSeconds)}; first run started ${res.wall.firstStart.slice(11, 16)}, last result ${res.wall.lastEnd.slice(11, 16)} UTC (${secs(res.wall.elapsedSeconds)} elapsed, including the collapse diagnostic and the gaps between driver invocations).`
      : `Sum of the wall times above (training + evaluations): ${secs(totalWall(res))}.`,
    speedRange(res),
    '',
  ].join('\n');
  writeFileSync(paths.markdown, md.replaceAll(`${process.cwd()}/`, ''));
}
