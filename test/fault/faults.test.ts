/**
 * Fault injection across seeded trials, on real processes on loopback (fault_cluster.ts): two
 * augment workers, two teachers and a wrong-dim teacher live through the suite; every trial
 * trains the same run (same seed) with a fresh trainer while its faults strike: SIGKILL and
 * SIGSTOP/SIGCONT of workers and teachers (pauses outlive the lease, so the batch is leased again
 * and the late delivery must be dropped), the trainer SIGKILLed inside a checkpoint write (and
 * started again), links to the trainer or a teacher stalled past the lease or dropped, and a
 * teacher that answers in the wrong embedding dimension. After each trial, from the trainer's
 * record and checkpoints: every planned batch trained exactly once, in order; every checkpoint
 * reads back; the final weights, training state and per-step losses equal the undisturbed
 * run's bit for bit. The last line sums it up:
 *   fault trials: 20, batches lost: 0, duplicated: 0, weights equal: 20/20
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultCluster } from './fault_cluster.ts';
import { LEASE_MS, RUN, TOTAL_STEPS, kill } from './roles.ts';
import { countBatches, plannedBatches, readRunOutput, checkCheckpoints, type RunOutput } from './run_checks.ts';
import { describeFault, planTrial, type TrialPlan } from './trial_plan.ts';
import { prepareTrainer, runTrial, type PreparedTrainer, type TrialOutcome } from './trial_runner.ts';

/** Debugging aids (the suite is all 20): FAULT_TRIALS=n runs the first n trials, FAULT_ONLY=3,9 only those. */
const TRIALS = Number(process.env.FAULT_TRIALS) || 20;
const ONLY = process.env.FAULT_ONLY ? new Set(process.env.FAULT_ONLY.split(',').map(Number)) : undefined;
/** Trial i's seed is SUITE_SEED + i. */
const SUITE_SEED = 1000;
/** Checkpoint writes of one run: steps 2, 4, 6 (epoch end), 8, 10, 12 (epoch end). */
const CHECKPOINT_WRITES = 6;

const planned = plannedBatches(RUN.name, RUN.epochs, RUN.stepsPerEpoch);
const plans: TrialPlan[] = Array.from({ length: TRIALS }, (_, i) => planTrial(i, SUITE_SEED + i, { totalSteps: TOTAL_STEPS, checkpoints: CHECKPOINT_WRITES, leaseMs: LEASE_MS })).filter(
  (p) => !ONLY || ONLY.has(p.index),
);

const dir = mkdtempSync(join(tmpdir(), 'disco-fault-'));
let cluster: FaultCluster | undefined;
const pending: PreparedTrainer[] = [];
after(async () => {
  const leftovers = await Promise.all(pending.map((p) => p.trainer.catch(() => undefined)));
  await Promise.all(leftovers.map((t) => kill(t)));
  await cluster?.destroy(leftovers);
  rmSync(dir, { recursive: true, force: true });
});

test(`fault injection: ${plans.length} seeded trials, each run equal to the undisturbed one`, { timeout: 15 * 60_000 }, async (t) => {
  const t0 = performance.now();
  cluster = new FaultCluster(join(dir, 'cluster'));
  const referenceTrainer = prepareTrainer(cluster, { index: -1, seed: 0, faults: [] }, join(dir, 'reference'));
  const first = prepareTrainer(cluster, plans[0], join(dir, `trial-${plans[0].index}`));
  pending.push(referenceTrainer, first);
  await cluster.up();

  // The undisturbed run, once.
  const refProcess = await referenceTrainer.trainer;
  cluster.useTrainer(refProcess);
  const refExit = await refProcess.exited;
  assert.equal(refExit.code, 0, `reference trainer exit\n${cluster.logs.tail()}`);
  const reference: RunOutput = readRunOutput(referenceTrainer.runDir);
  assert.equal(reference.summary.state, 'DONE');
  assert.ok(countBatches(reference.record, planned).exactlyOnceInOrder, 'the undisturbed run trains every planned batch once, in order');
  assert.deepEqual(checkCheckpoints(referenceTrainer.runDir).files.filter((f) => f.error), []);
  cluster.startSpares();
  t.diagnostic(`cluster up and reference run trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const outcomes: TrialOutcome[] = [];
  let next: PreparedTrainer | undefined = first;
  for (const [i, plan] of plans.entries()) {
    const prepared = next!;
    // The next trial's trainer starts while this trial runs.
    next = i + 1 < plans.length ? prepareTrainer(cluster, plans[i + 1], join(dir, `trial-${plans[i + 1].index}`)) : undefined;
    if (next) pending.push(next);
    const what = plan.faults.map(describeFault).join('; ');
    await t.test(`trial ${plan.index} (seed ${plan.seed}): ${what}`, async (tt) => {
      cluster!.logs.push(`fault-suite: === trial ${plan.index}: ${what}`);
      const outcome = await runTrial(cluster!, { plan, prepared, reference, planned });
      outcomes.push(outcome);
      const swapped = await cluster!.heal();
      const s = outcome.output?.summary;
      tt.diagnostic(
        `${(outcome.wallMs / 1000).toFixed(1)} s; struck after traffic ${outcome.busyHits.busy}/${outcome.busyHits.of}; ${s ? `${s.batchesReleased} re-leased, deliveries ${JSON.stringify(s.deliveries)}` : 'no summary'}` +
          `${outcome.notes.length ? `; ${outcome.notes.join('; ')}` : ''}${swapped.length ? `; spare swapped in for ${swapped.join(', ')}` : ''}`,
      );
      const tail = `\n${cluster!.logs.tail(40)}`;
      assert.equal(outcome.exit.code, 0, `trainer exit ${JSON.stringify(outcome.exit)}${tail}`);
      assert.deepEqual(outcome.count, { lost: 0, duplicated: 0, foreign: 0, exactlyOnceInOrder: true }, `every planned batch once, in order${tail}`);
      assert.deepEqual(outcome.checkpoints.files.filter((f) => f.error), [], 'every checkpoint reads back');
      assert.deepEqual(outcome.checkpoints.temporary, [], 'no temporary checkpoint file left');
      assert.deepEqual(outcome.differences, [], 'weights, state and losses equal the undisturbed run');
      assert.ok(!outcome.notes.some((n) => n.startsWith('fault failed') || n.startsWith('timed out')), outcome.notes.join('\n'));
    });
  }

  const lost = outcomes.reduce((sum, o) => sum + o.count.lost, 0);
  const duplicated = outcomes.reduce((sum, o) => sum + o.count.duplicated, 0);
  const equal = outcomes.filter((o) => o.differences.length === 0).length;
  const total = (f: (s: NonNullable<TrialOutcome['output']>['summary']) => number) => outcomes.reduce((sum, o) => sum + (o.output ? f(o.output.summary) : 0), 0);
  const busy = outcomes.reduce((sum, o) => sum + o.busyHits.busy, 0);
  const struck = outcomes.reduce((sum, o) => sum + o.busyHits.of, 0);
  t.diagnostic(
    `${((performance.now() - t0) / 1000).toFixed(1)} s in all; faults on processes and links that struck right after traffic on them: ${busy}/${struck}; ` +
      `batches re-leased: ${total((s) => s.batchesReleased)}; late or repeated deliveries dropped: ${total((s) => s.deliveries.duplicate + s.deliveries.stale + s.deliveries.invalid)}`,
  );
  const line = `fault trials: ${outcomes.length}, batches lost: ${lost}, duplicated: ${duplicated}, weights equal: ${equal}/${outcomes.length}`;
  t.diagnostic(line);
  assert.equal(outcomes.length, plans.length);
  assert.ok(ONLY || outcomes.length >= 20, 'at least 20 trials');
  assert.equal(lost, 0);
  assert.equal(duplicated, 0);
  assert.equal(equal, outcomes.length);
});
