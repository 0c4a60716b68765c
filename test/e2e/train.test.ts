/**
 * disco end to end: a trainer, 2 augment workers and 2 teacher replicas as separate processes on
 * loopback train a tiny student for 2 epochs. From the trainer's record: every planned batch is
 * trained exactly once, in plan order. SIGKILL of one augment worker and one teacher mid-epoch,
 * and SIGKILL + restart of the trainer, change nothing: the final weights (exported backbone and
 * the whole final training state) equal the undisturbed run's bit for bit (same seed, backend).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, EPOCHS, STEPS_PER_EPOCH, plannedBatches } from './cluster.ts';

const TOTAL = EPOCHS * STEPS_PER_EPOCH;
const clusters: Cluster[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.destroy()));
});

async function cluster(): Promise<Cluster> {
  const c = await Cluster.start({ augmenters: 2, teachers: 2 });
  clusters.push(c);
  return c;
}

function assertExactlyOnceInOrder(c: Cluster): void {
  const record = c.record();
  assert.deepEqual(record.map((r) => r.batch), plannedBatches(), `every planned batch once, in order\n${c.tail()}`);
  assert.deepEqual(record.map((r) => r.globalStep), Array.from({ length: TOTAL }, (_, i) => i));
  for (const r of record) assert.ok(Number.isFinite(r.loss) && r.terms.contrastive !== undefined && r.terms.distill1 !== undefined, `loss terms of ${r.batch}`);
}

function assertSameWeights(c: Cluster, reference: Cluster): void {
  const a = c.finalWeights();
  const b = reference.finalWeights();
  assert.deepEqual([...a.exported.keys()], [...b.exported.keys()]);
  for (const [name, bytes] of b.exported) assert.ok(bytes.equals(a.exported.get(name)!), `exported ${name} differs from the undisturbed run`);
  assert.deepEqual([...a.state.keys()].sort(), [...b.state.keys()].sort());
  for (const [name, bytes] of b.state) assert.ok(bytes.equals(a.state.get(name)!), `state ${name} differs from the undisturbed run`);
  // Same losses at every step, to the bit.
  assert.deepEqual(c.record().map((r) => [r.loss, r.terms, r.lr]), reference.record().map((r) => [r.loss, r.terms, r.lr]));
}

/** The undisturbed run, shared by every test. */
let baseline: Promise<Cluster> | undefined;
function undisturbed(): Promise<Cluster> {
  baseline ??= (async () => {
    const c = await cluster();
    const exit = await c.finish();
    assert.equal(exit.code, 0, `trainer exit\n${c.tail()}`);
    return c;
  })();
  return baseline;
}

test('2 epochs on trainer + 2 augment + 2 teacher processes: every planned batch trained once, in order', async () => {
  const c = await undisturbed();
  assertExactlyOnceInOrder(c);
  const summary = c.summary();
  assert.equal(summary.state, 'DONE');
  assert.equal(summary.deliveries.accepted, TOTAL);
  assert.equal(summary.deliveries.invalid, 0);
  // DISCO_PROFILE=1: the trainer timed step 3's kernels and listed those that ran in JavaScript.
  const [profile] = c.logLines(/trainer: trainer: profile of step 2: \d+ ms, [\d.]+ ms in JavaScript kernels/);
  assert.ok(profile || c.logLines(/backend (wasm|cpu)/).length > 0, `no kernel profile in the trainer's log\n${c.tail()}`);
});

test('SIGKILL of one augment worker and one teacher mid-epoch changes nothing', async (t) => {
  const reference = await undisturbed();
  const c = await cluster();
  await c.waitForSteps(2);
  // Strike a worker and a teacher while they hold a batch (best effort: after 3 s, any).
  const busy = async (procs: typeof c.augmenters, metric: string) => {
    const counts = await Promise.all(procs.map((p) => c.metric(p, metric)));
    return counts.findIndex((n) => n >= 1);
  };
  let [a, k] = [-1, -1];
  for (const until = Date.now() + 3_000; Date.now() < until && a < 0; ) {
    [a, k] = await Promise.all([busy(c.augmenters, 'disco_augment_inflight_batches'), busy(c.teachers, 'disco_teacher_inflight_batches')]);
  }
  [a, k] = [Math.max(a, 0), Math.max(k, 0)];
  c.augmenters[a].child.kill('SIGKILL');
  c.teachers[k].child.kill('SIGKILL');
  const position = c.record().at(-1)!;
  assert.ok(position.step < STEPS_PER_EPOCH - 1 && position.globalStep < TOTAL - 1, `killed mid-epoch (after ${position.batch})`);
  let retries = 0;
  const exit = await c.finish(240_000, async () => {
    retries = await c.metric(c.augmenters[1 - a], 'disco_augment_teacher_retries_total');
  });
  assert.equal(exit.code, 0, `trainer exit\n${c.tail()}`);
  assertExactlyOnceInOrder(c);
  assertSameWeights(c, reference);
  const summary = c.summary();
  t.diagnostic(`killed augment-${a} and teacher-${k} after ${position.batch}: ${summary.batchesReleased} batches re-leased, ${retries} embed calls retried on the other teacher, ${summary.deliveries.duplicate} duplicate and ${summary.deliveries.stale} stale deliveries dropped`);
});

test('SIGKILL of the trainer mid-epoch, then a restart: resumes from its checkpoint, same weights', async (t) => {
  const reference = await undisturbed();
  const c = await cluster();
  const before = await c.waitForSteps(5);
  c.trainer.child.kill('SIGKILL');
  await c.trainer.exited;
  const trainedBeforeKill = c.record().length;
  assert.ok(before.at(-1)!.epoch === 0 && trainedBeforeKill < TOTAL, `killed mid-run (after ${trainedBeforeKill} steps)`);
  await c.startTrainer(c.trainerPort); // same address: the workers reconnect on their own
  const exit = await c.finish();
  assert.equal(exit.code, 0, `restarted trainer exit\n${c.tail()}`);
  const summary = c.summary();
  assert.ok(summary.thisProcess.steps < TOTAL && summary.thisProcess.steps >= TOTAL - trainedBeforeKill, `resumed from a checkpoint: the restarted trainer trained ${summary.thisProcess.steps} of ${TOTAL} steps`);
  assertExactlyOnceInOrder(c);
  assertSameWeights(c, reference);
  t.diagnostic(`killed after ${trainedBeforeKill} steps; the restarted trainer trained ${summary.thisProcess.steps}`);
});
