/**
 * `npm run repro [-- --budget small|full|paper] [--phases main,baselines,ablation,seeds,epochs] [--report-only] [--plan]`
 *
 * The paper's claim in miniature on Fashion-MNIST: the same small student trained with
 * MoCo-v2, DisCo (from the bundled teacher), MSE-only and SEED, plus DisCo's head-width
 * ablation, each by `disco train` (the embedded default: trainer, teacher and augment processes
 * on loopback), then every final student, the teacher and the students' initial weights
 * evaluated by `disco eval` (kNN + linear probe) on held-out test images. Phases run in order and
 * each rewrites `docs/repro/results.json`, the plots and `docs/reproduction.md`, so the main
 * comparison is reported as soon as it exists. Finished runs and evaluations are cached under
 * `runs/repro/<budget>/`: run the command again to resume or to redo only what is missing.
 * What `docs/repro/results.json` (committed) already holds for this budget is not trained or
 * evaluated again, so a stage resumes from the repository alone, never from checkpoints in git.
 * `--plan` times 20 steps of each kind of run and prints the whole plan's estimated wall time.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { listCheckpoints } from '@disco/trainer-service';
import { BUDGETS, FASHION_MNIST_DIR, type Budget, type RunSpec } from './budgets.ts';
import { commandLine, runDisco } from './disco_cli.ts';
import { prepareEvalData } from './eval_data.ts';
import { readCurves } from './record_curves.ts';
import { loadResults, saveResults, type Diagnostics, type EvalEntry, type Results, type RunEntry } from './results.ts';
import { embeddingSpreads, queueSpread, type EmbeddingSource } from './embedding_spread.ts';
import { writeReport } from './report.ts';
import { hardware, runWall } from './run_costs.ts';

const PHASES = ['main', 'baselines', 'ablation', 'seeds', 'epochs'] as const;
type Phase = (typeof PHASES)[number];

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: 'small' },
    phases: { type: 'string', default: PHASES.join(',') },
    'report-only': { type: 'boolean', default: false },
    plan: { type: 'boolean', default: false },
  },
});
if (!Object.hasOwn(BUDGETS, values.budget)) throw new Error(`--budget '${values.budget}': choose one of ${Object.keys(BUDGETS).join(', ')}`);
const budget: Budget = BUDGETS[values.budget as Budget['name']];
const phases = values.phases.split(',').filter(Boolean) as Phase[];
for (const p of phases) if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase '${p}' (valid: ${PHASES.join(', ')})`);

const ROOT = join('runs', 'repro', budget.name);
const LOGS = join(ROOT, 'logs');
const EVALS = join(ROOT, 'evals');
const RESULTS = 'docs/repro/results.json';
mkdirSync(LOGS, { recursive: true });
mkdirSync(EVALS, { recursive: true });
const trainConfig = JSON.parse(readFileSync(budget.config, 'utf8')) as { trainer: { model: string; width: number; size: number; seed: number } };
const student = trainConfig.trainer;

const t0 = Date.now();
function log(line: string): void {
  const stamped = `[${new Date().toISOString().slice(11, 19)} +${((Date.now() - t0) / 60000).toFixed(1)} min] ${line}`;
  console.log(stamped);
  appendFileSync(join(ROOT, 'progress.log'), stamped + '\n');
}

// ---------- training ----------

const runDir = (name: string) => join(ROOT, name);
const runName = (spec: RunSpec) => `repro-${budget.name}-${spec.name}`;
const headOf = (spec: RunSpec) => spec.headHidden ?? budget.headHidden;
const seedOf = (spec: RunSpec) => spec.seed ?? student.seed;
/** The reference evaluation of a seed's initial student weights. */
const initName = (seed: number) => (seed === student.seed ? 'random-init' : `random-init-s${seed}`);

function trainArgs(spec: RunSpec): string[] {
  return [
    'train',
    '--config', budget.config,
    '--algo.mode', spec.mode,
    ...(spec.headHidden === undefined ? [] : ['--algo.head-hidden', String(spec.headHidden)]),
    ...(spec.seed === undefined ? [] : ['--trainer.seed', String(spec.seed)]),
    '--trainer.run', runName(spec),
    '--trainer.run-dir', runDir(spec.name),
  ];
}

function summaryOf(name: string): { state?: string; thisProcess?: { imagesPerSecond: number; dataWaitFraction: number }; stepsPerEpoch?: number } | undefined {
  const path = join(runDir(name), 'summary.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

/** Wall time of the finished `disco train`: the driver's own timing, else the CLI's "done in … (N s)". */
function trainWall(name: string): number | null {
  const timing = join(runDir(name), 'repro-train.json');
  if (existsSync(timing)) return (JSON.parse(readFileSync(timing, 'utf8')) as { wallSeconds: number }).wallSeconds;
  const logFile = join(LOGS, `train-${name}.log`);
  const m = existsSync(logFile) ? /done in .*?\(([\d.]+) s\)/.exec(readFileSync(logFile, 'utf8')) : null;
  return m ? Number(m[1]) : null;
}

/** The committed results of this budget (docs/repro/results.json), if any. */
function committed(): Results | undefined {
  const r = loadResults(RESULTS);
  return r && r.budget === budget.name ? r : undefined;
}

/** A run whose final evaluation is committed: its entry (it is not trained again). */
function committedRun(name: string): RunEntry | undefined {
  const run = committed()?.runs[name];
  return run && run.status === 'done' && run.eval ? run : undefined;
}

async function train(spec: RunSpec): Promise<void> {
  if (summaryOf(spec.name)?.state !== 'DONE' && committedRun(spec.name)) {
    log(`train ${spec.name}: its result is committed in ${RESULTS}; not trained again`);
    return;
  }
  for (let attempt = 1; attempt <= 2 && summaryOf(spec.name)?.state !== 'DONE'; attempt++) {
    log(`train ${spec.name} (mode ${spec.mode}, head ${headOf(spec)}), attempt ${attempt}: ${commandLine(trainArgs(spec))}`);
    const res = await runDisco(trainArgs(spec), join(LOGS, `train-${spec.name}.log`));
    writeFileSync(join(runDir(spec.name), 'repro-train.json'), JSON.stringify({ command: commandLine(trainArgs(spec)), code: res.code, wallSeconds: res.wallSeconds, attempt }, null, 2));
    log(`train ${spec.name}: exit ${res.code} after ${res.wallSeconds.toFixed(0)} s`);
  }
}

// ---------- evaluation ----------

function evalData(): string {
  return prepareEvalData(FASHION_MNIST_DIR, join(ROOT, 'data'), budget.evalTrainImages, budget.evalTestImages);
}

interface EvalTarget {
  name: string;
  weights: string[];
  arch: string;
  width: number;
  size?: number;
  knnOnly?: boolean;
}

/** An evaluation the committed results hold (a reference, a run's final or per-epoch kNN). */
function committedEval(name: string): EvalEntry | undefined {
  const r = committed();
  if (!r) return undefined;
  const at = /^(.*)@epoch(\d+)$/.exec(name);
  if (at) {
    const k = r.runs[at[1]]?.knnByEpoch.find((e) => e.epoch === Number(at[2]));
    return k ? ({ name, knn: { top1: k.top1, top5: k.top5 }, linear: null } as unknown as EvalEntry) : undefined;
  }
  return r.references[name] ?? r.runs[name]?.eval ?? undefined;
}

async function evaluate(t: EvalTarget): Promise<EvalEntry | null> {
  const cache = join(EVALS, `${t.name}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as EvalEntry;
  const kept = committedEval(t.name);
  if (kept) {
    writeFileSync(cache, JSON.stringify(kept, null, 2));
    return kept;
  }
  const data = evalData();
  const size = t.size ?? budget.evalSize;
  const args = ['eval', ...t.weights, '--arch', t.arch, '--width', String(t.width), '--train', data, '--test', data, '--size', String(size), ...(t.knnOnly ? ['--no-linear'] : ['--linear-epochs', String(budget.linearEpochs)]), '--json'];
  log(`eval ${t.name}: ${commandLine(args)}`);
  const res = await runDisco(args, join(LOGS, `eval-${t.name}.log`));
  if (res.code !== 0) {
    log(`eval ${t.name}: FAILED (exit ${res.code}; see ${LOGS}/eval-${t.name}.log)`);
    return null;
  }
  const out = JSON.parse(res.stdout) as { knn?: { top1: number; top5: number }; linear?: { top1: number; top5: number }; n_train: number; n_test: number; feature_dim: number };
  const entry: EvalEntry = {
    name: t.name,
    weights: t.weights.join(' '),
    arch: t.arch,
    width: t.width,
    size,
    knn: out.knn ? { top1: out.knn.top1, top5: out.knn.top5 } : null,
    linear: out.linear ? { top1: out.linear.top1, top5: out.linear.top5 } : null,
    nTrain: out.n_train,
    nTest: out.n_test,
    featureDim: out.feature_dim,
    wallSeconds: res.wallSeconds,
    command: commandLine(args),
  };
  writeFileSync(cache, JSON.stringify(entry, null, 2));
  const pct = (a: { top1: number } | null) => (a ? `${(100 * a.top1).toFixed(2)} %` : '-');
  log(`eval ${t.name}: kNN ${pct(entry.knn)}, linear ${pct(entry.linear)} (${res.wallSeconds.toFixed(0)} s)`);
  return entry;
}

const studentTarget = (name: string, weights: string, knnOnly = false): EvalTarget => ({ name, weights: [weights], arch: student.model, width: student.width, knnOnly });

function teacherOf(): { checkpoint: string; model: string; width: number } {
  const resolved = join(runDir('disco'), 'config.json');
  if (existsSync(resolved)) return (JSON.parse(readFileSync(resolved, 'utf8')) as { teacher: { checkpoint: string; model: string; width: number } }).teacher;
  // Not trained here (its result is committed): the config file's teacher, its shape from the teacher's manifest.
  const checkpoint = (JSON.parse(readFileSync(budget.config, 'utf8')) as { teacher: { checkpoint: string } }).teacher.checkpoint;
  const manifest = JSON.parse(readFileSync(join(checkpoint, 'teacher.json'), 'utf8')) as { arch: string; width: number };
  return { checkpoint, model: manifest.arch, width: manifest.width };
}

async function evalInit(seed: number): Promise<void> {
  await evaluate({ name: initName(seed), weights: ['--random-init', String(seed)], arch: student.model, width: student.width });
}

async function evalReferences(withNativeTeacher: boolean): Promise<void> {
  await evalInit(student.seed);
  const teacher = teacherOf();
  await evaluate({ name: 'teacher', weights: [relative(process.cwd(), teacher.checkpoint)], arch: teacher.model, width: teacher.width });
  if (withNativeTeacher) await evaluate({ name: 'teacher-32px', weights: [relative(process.cwd(), teacher.checkpoint)], arch: teacher.model, width: teacher.width, size: 32 });
}

async function evalRun(spec: RunSpec): Promise<void> {
  const weights = join(runDir(spec.name), 'export', 'student.safetensors');
  if (summaryOf(spec.name)?.state === 'DONE' && existsSync(weights)) await evaluate(studentTarget(spec.name, weights));
}

/** kNN of each epoch's checkpoint, read by `disco eval` directly (the last epoch is the final student, already evaluated). */
async function evalEpochs(spec: RunSpec): Promise<void> {
  const steps = summaryOf(spec.name)?.stepsPerEpoch;
  if (summaryOf(spec.name)?.state !== 'DONE' || !steps) return;
  const checkpoints = listCheckpoints(join(runDir(spec.name), 'checkpoints')).filter((c) => c.globalStep % steps === 0).reverse();
  for (const c of checkpoints.slice(0, -1)) await evaluate(studentTarget(`${spec.name}@epoch${c.globalStep / steps}`, c.path, true));
}

/** Collapse diagnostic of every finished run at each epoch end (cached in diagnostics.json). */
async function diagnose(): Promise<void> {
  const path = join(ROOT, 'diagnostics.json');
  const images = 500;
  const diag: Diagnostics = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : { images, teacher: NaN, runs: {} };
  const teacher = teacherOf();
  if (!Number.isFinite(diag.teacher)) {
    diag.teacher = (await embeddingSpreads([{ name: 'teacher', checkpoint: teacher.checkpoint, arch: teacher.model, width: teacher.width }], evalData(), images, budget.evalSize)).teacher;
  }
  for (const spec of budget.runs.filter((r) => seedOf(r) <= student.seed + 1)) {
    const steps = summaryOf(spec.name)?.stepsPerEpoch;
    if (summaryOf(spec.name)?.state !== 'DONE' || !steps || diag.runs[spec.name]) continue;
    const rows: Diagnostics['runs'][string] = [];
    for (const c of listCheckpoints(join(runDir(spec.name), 'checkpoints')).filter((x) => x.globalStep % steps === 0).reverse()) {
      const src = (encoder: 'student' | 'key'): EmbeddingSource => ({ name: encoder, checkpoint: c.path, encoder });
      // SEED has no key encoder, and its queue holds teacher embeddings, not keys.
      const moco = spec.mode !== 'seed';
      const spread = await embeddingSpreads(moco ? [src('student'), src('key')] : [src('student')], evalData(), images, budget.evalSize);
      rows.push({ epoch: c.globalStep / steps, queue: moco ? queueSpread(c.path) : null, student: spread.student, key: moco ? spread.key : null });
    }
    diag.runs[spec.name] = rows;
    const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
    log(`diagnostic ${spec.name}: ${rows.map((r) => `epoch ${r.epoch} queue ${f(r.queue)} student ${f(r.student)} key ${f(r.key)}`).join('; ')}`);
    writeFileSync(path, JSON.stringify(diag, null, 2));
  }
  writeFileSync(path, JSON.stringify(diag, null, 2));
}

// ---------- results ----------

function cached(name: string): EvalEntry | null {
  const path = join(EVALS, `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as EvalEntry) : null;
}

function collectRun(spec: RunSpec): RunEntry | null {
  const summary = summaryOf(spec.name);
  const logFile = join(LOGS, `train-${spec.name}.log`);
  if (summary?.state !== 'DONE' && committedRun(spec.name)) return committedRun(spec.name)!;
  if (!summary && !existsSync(logFile)) return null;
  const done = summary?.state === 'DONE';
  const record = join(runDir(spec.name), 'record.jsonl');
  const epochs = JSON.parse(readFileSync(budget.config, 'utf8')).trainer.epochs as number;
  const knnByEpoch: RunEntry['knnByEpoch'] = [];
  const init = cached(initName(seedOf(spec)));
  if (init?.knn) knnByEpoch.push({ epoch: 0, ...init.knn });
  for (let e = 1; e < epochs; e++) {
    const k = cached(`${spec.name}@epoch${e}`)?.knn;
    if (k) knnByEpoch.push({ epoch: e, ...k });
  }
  const final = cached(spec.name);
  if (final?.knn) knnByEpoch.push({ epoch: epochs, ...final.knn });
  return {
    name: spec.name,
    mode: spec.mode,
    headHidden: headOf(spec),
    seed: seedOf(spec),
    status: done ? 'done' : 'incomplete',
    ...(done ? {} : { error: existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n') : 'no log' }),
    trainWallSeconds: trainWall(spec.name),
    imagesPerSecond: summary?.thisProcess?.imagesPerSecond ?? null,
    dataWaitFraction: summary?.thisProcess?.dataWaitFraction ?? null,
    command: commandLine(trainArgs(spec)),
    curves: existsSync(record) ? readCurves(record) : null,
    eval: final,
    knnByEpoch,
  };
}

async function publish(previous: Results | undefined, phaseDone?: { name: string; wallSeconds: number }): Promise<void> {
  const resolvedPath = join(runDir('disco'), 'config.json');
  const phasesDone = (previous?.phases ?? []).filter((p) => p.name !== phaseDone?.name);
  const results: Results = {
    budget: budget.name,
    started: previous?.started ?? new Date(t0).toISOString(),
    updated: '',
    phases: phaseDone ? [...phasesDone, phaseDone] : phasesDone,
    settings: {
      configFile: budget.config,
      trainConfig: JSON.parse(readFileSync(budget.config, 'utf8')),
      resolvedConfig: existsSync(resolvedPath) ? JSON.parse(readFileSync(resolvedPath, 'utf8')) : null,
      eval: { train: `first ${budget.evalTrainImages} images of ${FASHION_MNIST_DIR} train`, test: `first ${budget.evalTestImages} images of ${FASHION_MNIST_DIR} t10k`, trainImages: budget.evalTrainImages, testImages: budget.evalTestImages, size: budget.evalSize, linearEpochs: budget.linearEpochs, knnK: 200, knnT: 0.1 },
    },
    wall: runWall({ runDirs: budget.runs.map((r) => runDir(r.name)), evalsDir: EVALS, trainSeconds: budget.runs.reduce((sum, r) => sum + (trainWall(r.name) ?? 0), 0) }),
    hardware: previous?.hardware ?? (await hardware()),
    references: Object.fromEntries(['random-init', ...new Set(budget.runs.map((r) => initName(seedOf(r))))].concat(['teacher', 'teacher-32px']).map((n) => [n, cached(n)]).filter(([, e]) => e !== null)),
    runs: Object.fromEntries(budget.runs.map((s) => [s.name, collectRun(s)]).filter(([, r]) => r !== null)),
    ...(existsSync(join(ROOT, 'diagnostics.json')) ? { diagnostics: JSON.parse(readFileSync(join(ROOT, 'diagnostics.json'), 'utf8')) as Diagnostics } : {}),
  };
  saveResults(RESULTS, results);
  await writeReport(results, { markdown: 'docs/reproduction.md', plots: 'docs/repro' });
  log(`wrote ${RESULTS}, docs/repro/*.png and docs/reproduction.md`);
}

// ---------- phases ----------

async function runPhase(phase: Phase): Promise<void> {
  const specs = budget.runs.filter((s) => s.phase === phase);
  if (phase === 'main') {
    for (const s of specs) await train(s);
    await evalReferences(false);
  } else if (phase !== 'epochs') {
    for (const s of specs) await train(s);
    for (const seed of new Set(specs.map(seedOf))) await evalInit(seed);
  }
  if (phase === 'epochs') {
    await evalReferences(true);
    // Per-epoch kNN and the collapse diagnostic for seeds 0 and 1 (the other seeds only end-of-run).
    for (const s of budget.runs.filter((r) => seedOf(r) <= student.seed + 1)) await evalEpochs(s);
    await diagnose();
  } else {
    for (const s of specs) await evalRun(s);
  }
}

// ---------- the plan ----------

/**
 * Times 20 steps of each kind of run (mode and head) exactly as the budget trains it, and one
 * evaluation, then prints each phase's and the whole plan's estimated wall time.
 */
async function plan(): Promise<void> {
  const cfg = JSON.parse(readFileSync(budget.config, 'utf8')) as { trainer: { batchSize: number; epochs: number; limitImages: number } };
  const images = cfg.trainer.limitImages || 60000;
  const stepsPerRun = cfg.trainer.epochs * Math.floor(images / cfg.trainer.batchSize);
  const kinds = new Map<string, RunSpec>();
  for (const r of budget.runs) kinds.set(`${r.mode}/h${headOf(r)}`, r);
  const secondsPerStep = new Map<string, number>();
  for (const [kind, spec] of kinds) {
    const dir = join(ROOT, 'plan', kind.replace('/', '-'));
    const args = [...trainArgs(spec).filter((_, i, a) => !['--trainer.run', '--trainer.run-dir'].includes(a[i]) && !['--trainer.run', '--trainer.run-dir'].includes(a[i - 1])),
      '--trainer.run', `plan-${kind.replace('/', '-')}`, '--trainer.run-dir', dir, '--trainer.limit-images', String(22 * cfg.trainer.batchSize), '--trainer.epochs', '1', '--trainer.knn-every', '0', '--trainer.resume', 'false'];
    rmSync(dir, { recursive: true, force: true });
    const res = await runDisco(args, join(LOGS, `plan-${kind.replace('/', '-')}.log`));
    const record = existsSync(join(dir, 'record.jsonl')) ? readFileSync(join(dir, 'record.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { computeSeconds: number; dataWaitSeconds: number }) : [];
    if (res.code !== 0 || record.length < 5) throw new Error(`plan: timing ${kind} failed (exit ${res.code}; see ${LOGS})`);
    const per = record.slice(2).map((r) => r.computeSeconds + r.dataWaitSeconds).sort((a, b) => a - b);
    secondsPerStep.set(kind, per[Math.floor(per.length / 2)]);
    log(`plan: ${kind}: ${per[Math.floor(per.length / 2)].toFixed(3)} s/step over ${per.length} steps (median; start-up ${(res.wallSeconds - per.reduce((a, b) => a + b, 0)).toFixed(0)} s)`);
  }
  const e0 = Date.now();
  await evalInit(student.seed);
  const evalSeconds = cached(initName(student.seed))?.wallSeconds ?? (Date.now() - e0) / 1000;
  const lines: string[] = [];
  let total = 0;
  for (const phase of PHASES) {
    const specs = budget.runs.filter((r) => r.phase === phase);
    const train = specs.reduce((sum, r) => sum + stepsPerRun * secondsPerStep.get(`${r.mode}/h${headOf(r)}`)!, 0);
    const evals = phase === 'epochs' ? budget.runs.filter((r) => seedOf(r) <= student.seed + 1).length * (cfg.trainer.epochs - 1) * 0.5 : specs.length + 1;
    const seconds = train + evals * evalSeconds;
    total += seconds;
    lines.push(`  ${phase.padEnd(10)} ${specs.map((r) => r.name).join(', ') || '(per-epoch kNN, collapse diagnostics)'}: ${(seconds / 3600).toFixed(2)} h`);
  }
  const out = [`plan for budget ${budget.name}: ${budget.runs.length} runs of ${stepsPerRun} steps (${cfg.trainer.epochs} epochs of ${images} images, batch ${cfg.trainer.batchSize}); an evaluation ${evalSeconds.toFixed(0)} s`, ...lines, `  total ≈ ${(total / 3600).toFixed(1)} h on this machine (load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')})`];
  for (const l of out) log(l);
  writeFileSync(join(ROOT, 'plan.json'), JSON.stringify({ budget: budget.name, secondsPerStep: Object.fromEntries(secondsPerStep), stepsPerRun, evalSeconds, totalHours: total / 3600, date: new Date().toISOString() }, null, 2));
}

let previous = loadResults(RESULTS);
if (previous && previous.budget !== budget.name) previous = undefined;
if (values.plan) {
  await plan();
} else if (values['report-only']) {
  await publish(previous);
} else {
  log(`repro, budget ${budget.name}: phases ${phases.join(', ')}; config ${budget.config}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const phase of phases) {
    const p0 = Date.now();
    log(`phase ${phase}: start`);
    await runPhase(phase);
    const wallSeconds = (Date.now() - p0) / 1000;
    log(`phase ${phase}: done in ${(wallSeconds / 60).toFixed(1)} min`);
    await publish(previous, { name: phase, wallSeconds });
    previous = loadResults(RESULTS);
  }
  log(`all phases done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
}
