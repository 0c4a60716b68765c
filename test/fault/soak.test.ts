/**
 * Bounded memory, end to end: 24 batches (12× the lease window of 2) stream from two augment
 * workers and a teacher into a trainer slowed on purpose (SIGSTOPped for 150 ms, then let run
 * for 100 ms plus the sampling, over and over: it trains at a fraction of its speed while the
 * workers could run far ahead). Sampled at the end of every pause: each process's resident set
 * (/proc/<pid>/status VmRSS), the trainer's and the teacher's live tensors and tensor bytes
 * (tf.memory(), on /metrics and in the record after every step), the trainer's lease window and
 * each worker's batches in flight. Backpressure holds if the window and the workers never hold
 * more than they may, and if memory stays flat: the second half's peak is at most the first
 * half's (tensors: exactly; RSS: × 1.1 + 16 MiB, for the GC's timing).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnedRole } from '@disco/dataplane';
import { readRecord } from '@disco/trainer-service';
import { LogRing, alive, faultConfig, kill, metricsOf, rssKb, scrape, sleep, startRole, writeConfig } from './roles.ts';
import { countBatches, plannedBatches } from './run_checks.ts';

const WINDOW = 2;
const SLOTS = 2; // augment.batchesInFlight
/** Debugging aids: FAULT_SOAK_EPOCHS=n soaks longer (CI runs 3); FAULT_SOAK_DUMP=file.json keeps the samples. */
const EPOCHS = Number(process.env.FAULT_SOAK_EPOCHS) || 3;
const STEPS_PER_EPOCH = 8;
const STOP_MS = 150;
const RUN_MS = 100;

const dir = mkdtempSync(join(tmpdir(), 'disco-soak-'));
const logs = new LogRing();
const processes: SpawnedRole[] = [];
after(async () => {
  for (const p of processes) if (alive(p)) p.child.kill('SIGCONT');
  await Promise.all(processes.map((p) => kill(p)));
  rmSync(dir, { recursive: true, force: true });
});

interface Sample {
  /** Steps trained when sampled. */
  step: number;
  rssKb: Record<string, number>;
  trainerTensorBytes?: number;
  teacherTensors?: number;
  teacherTensorBytes?: number;
  /** Leased + delivered batches of the trainer's window. */
  window?: number;
  workerInFlight: number[];
}

/** Peak of the second half of `values` against the first half's. */
function halves(values: number[]): { first: number; second: number } {
  const mid = Math.floor(values.length / 2);
  return { first: Math.max(...values.slice(0, mid)), second: Math.max(...values.slice(mid)) };
}

test(`soak: ${EPOCHS * STEPS_PER_EPOCH} batches (${(EPOCHS * STEPS_PER_EPOCH) / WINDOW}× the window) through a slowed trainer; memory stays flat everywhere`, { timeout: 10 * 60_000 }, async (t) => {
  const t0 = performance.now();
  const runDir = join(dir, 'run');
  const config = writeConfig(
    join(dir, 'config.json'),
    faultConfig({ trainer: { epochs: EPOCHS, limitImages: 8 * STEPS_PER_EPOCH, checkpointEvery: 0 }, dataplane: { window: WINDOW, leaseMs: 60_000 } }),
  );
  const spawn = async (role: 'trainer' | 'augment' | 'teacher', name: string, flags: string[] = []) => {
    const p = await startRole(role, name, { config, logs, flags });
    processes.push(p);
    return p;
  };
  const [trainer, teacher] = await Promise.all([spawn('trainer', 'trainer', ['--trainer.run-dir', runDir]), spawn('teacher', 'teacher')]);
  const workerFlags = ['--augment.trainer', `127.0.0.1:${trainer.info.port}`, '--augment.teachers', `127.0.0.1:${teacher.info.port}`];
  const workers = await Promise.all([spawn('augment', 'augment-0', workerFlags), spawn('augment', 'augment-1', workerFlags)]);
  const roles: [string, SpawnedRole][] = [['trainer', trainer], ['teacher', teacher], ['augment-0', workers[0]], ['augment-1', workers[1]]];
  const record = () => readRecord(join(runDir, 'record.jsonl'));

  // Throttle the trainer and sample while it runs, until it has trained the whole plan.
  const total = EPOCHS * STEPS_PER_EPOCH;
  const samples: Sample[] = [];
  let stops = 0;
  for (let step = 0; step < total && alive(trainer); step = record().length) {
    trainer.child.kill('SIGSTOP');
    stops++;
    await sleep(STOP_MS);
    trainer.child.kill('SIGCONT');
    const [trainerMetrics, teacherMetrics] = await Promise.all([metricsOf(trainer), metricsOf(teacher)]);
    const [leased, delivered] = [trainerMetrics?.sum('disco_trainer_window_batches', { state: 'leased' }), trainerMetrics?.sum('disco_trainer_window_batches', { state: 'delivered' })];
    const rss = Object.fromEntries(await Promise.all(roles.map(async ([name, p]) => [name, await rssKb(p.child.pid!)] as const)));
    samples.push({
      step,
      rssKb: rss,
      trainerTensorBytes: trainerMetrics?.sum('disco_trainer_tensor_bytes'),
      teacherTensors: teacherMetrics?.sum('disco_teacher_tensors'),
      teacherTensorBytes: teacherMetrics?.sum('disco_teacher_tensor_bytes'),
      window: leased !== undefined && delivered !== undefined ? leased + delivered : undefined,
      workerInFlight: await Promise.all(workers.map(async (w) => (await scrape(w, 'disco_augment_inflight_batches')) ?? 0)),
    });
    await sleep(RUN_MS);
  }
  const exit = await trainer.exited;
  if (process.env.FAULT_SOAK_DUMP) writeFileSync(process.env.FAULT_SOAK_DUMP, JSON.stringify(samples));
  const wallS = (performance.now() - t0) / 1000;
  assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());

  // Every batch once, in order; the trainer really was the bottleneck.
  const lines = record();
  assert.deepEqual(countBatches(lines, plannedBatches('fault', EPOCHS, STEPS_PER_EPOCH)), { lost: 0, duplicated: 0, foreign: 0, exactlyOnceInOrder: true });
  const waits = lines.slice(WINDOW).map((l) => l.dataWaitSeconds);
  t.diagnostic(`${total} steps in ${wallS.toFixed(1)} s (${stops} SIGSTOPs of the trainer); median data wait after the first ${WINDOW} steps: ${(waits.sort((a, b) => a - b)[waits.length >> 1] * 1000).toFixed(0)} ms`);

  // Backpressure: never more than the window in the trainer, never more than the slots in a worker.
  const windows = samples.map((s) => s.window).filter((v): v is number => v !== undefined);
  assert.ok(windows.length >= samples.length / 2, `window scraped ${windows.length} of ${samples.length} times`);
  const windowPeak = Math.max(...windows);
  const workerPeak = Math.max(...samples.flatMap((s) => s.workerInFlight));
  assert.ok(windowPeak <= WINDOW, `trainer window held ${windowPeak} batches (window ${WINDOW})`);
  assert.ok(workerPeak <= SLOTS, `a worker held ${workerPeak} batches (slots ${SLOTS})`);

  // Tensors: the engine's count after every step is constant; bytes on /metrics flat.
  const tensors = lines.map((l) => l.tensors);
  assert.ok(tensors.every((n) => typeof n === 'number'), 'the record holds tf.memory().numTensors after every step');
  const trainerTensors = halves(tensors.slice(1) as number[]);
  assert.ok(trainerTensors.second <= trainerTensors.first, `trainer tensors ${JSON.stringify(trainerTensors)}`);
  for (const [name, key] of [['trainer tensor bytes', 'trainerTensorBytes'], ['teacher tensors', 'teacherTensors'], ['teacher tensor bytes', 'teacherTensorBytes']] as const) {
    const values = samples.map((s) => s[key]).filter((v): v is number => v !== undefined);
    assert.ok(values.length >= samples.length / 2, `${name}: scraped ${values.length} of ${samples.length} times`);
    const h = halves(values);
    assert.ok(h.second <= h.first, `${name}: first half peak ${h.first}, second half ${h.second}`);
  }

  // RSS: from the end of the first epoch (start-up and JIT done), flat.
  const steady = samples.filter((s) => s.step >= STEPS_PER_EPOCH);
  assert.ok(steady.length >= 10, `${steady.length} samples after the first epoch`);
  const rssLines: string[] = [];
  for (const [name] of roles) {
    const h = halves(steady.map((s) => s.rssKb[name]));
    rssLines.push(`${name} ${(h.first / 1024).toFixed(0)} → ${(h.second / 1024).toFixed(0)} MiB`);
    assert.ok(h.second <= h.first * 1.1 + 16 * 1024, `${name} RSS grew: first half peak ${h.first} kB, second half ${h.second} kB`);
  }
  t.diagnostic(
    `${steady.length} samples after epoch 1; RSS peak first half → second half: ${rssLines.join(', ')}; trainer tensors ${trainerTensors.first} → ${trainerTensors.second}; ` +
      `window peak ${windowPeak}/${WINDOW}, worker in-flight peak ${workerPeak}/${SLOTS}`,
  );
  await Promise.all([teacher, ...workers].map(async (p) => {
    p.child.kill('SIGTERM');
    await p.exited;
  }));
});
