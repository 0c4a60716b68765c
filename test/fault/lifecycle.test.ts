/**
 * Graceful lifecycle of every role, as separate processes on loopback. SIGTERM turns health
 * NOT_SERVING (drain.delayMs keeps the server answering meanwhile), then the role finishes or
 * hands back its work and exits 0; a role whose work cannot finish exits 0 at the grace deadline
 * (drain.delayMs + drain.graceMs), never later, never hanging. Work is held up on purpose with a
 * stalled link to the teacher (tcp_proxy.ts) or with raw calls that never complete (probes.ts).
 *
 *  - augment: its batch stuck at the teacher completes and is delivered (ACCEPTED) once the link
 *    resumes, then exit 0 before the deadline; stuck for good: exit 0 at the deadline and its
 *    leases are back with the trainer.
 *  - trainer: stops after the step in progress, checkpoints, exit 0; started again it resumes and
 *    trains every planned batch exactly once; a Deliver call it cannot finish: exit 0 at the deadline.
 *  - teacher (its in-flight call completing is services/teacher/test/drain.test.ts): an Embed call
 *    that never completes: exit 0 at the deadline.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnedRole } from '@disco/dataplane';
import { readCheckpoint, readRecord, type RunSummary } from '@disco/trainer-service';
import { TcpProxy } from './tcp_proxy.ts';
import { LogRing, RUN, faultConfig, kill, scrape, sleep, startRole, writeConfig } from './roles.ts';
import { health, healthBecomes, hangingDelivery, hangingEmbed } from './probes.ts';
import { countBatches, plannedBatches } from './run_checks.ts';

const DELAY_MS = 400;
const SLOTS = 2; // augment.batchesInFlight
const GRACE_MS = 3000;
const DEADLINE_MS = DELAY_MS + GRACE_MS;

const dir = mkdtempSync(join(tmpdir(), 'disco-lifecycle-'));
const logs = new LogRing();
const config = writeConfig(join(dir, 'config.json'), faultConfig({ dataplane: { leaseMs: 30_000 }, drain: { delayMs: DELAY_MS, graceMs: GRACE_MS } }));
const processes: SpawnedRole[] = [];
const links: TcpProxy[] = [];
after(async () => {
  for (const p of processes) p.child.kill('SIGCONT');
  await Promise.all(processes.map((p) => kill(p)));
  await Promise.all(links.map((l) => l.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function start(role: 'trainer' | 'augment' | 'teacher', name: string, flags: string[] = []): Promise<SpawnedRole> {
  const p = startRole(role, name, { config, logs, flags });
  void p.then((s) => processes.push(s), () => undefined);
  return p;
}

/** SIGTERM, then how the process ended and how long it took. */
async function terminate(p: SpawnedRole): Promise<{ exit: { code: number | null; signal: NodeJS.Signals | null }; ms: number; sawNotServing: boolean }> {
  const t0 = performance.now();
  p.child.kill('SIGTERM');
  const sawNotServing = await healthBecomes(p.info.port, 'NOT_SERVING', p.exited);
  const exit = await p.exited;
  return { exit, ms: performance.now() - t0, sawNotServing };
}

const metric = async (p: SpawnedRole, name: string, labels: Record<string, string> = {}) => (await scrape(p, name, labels)) ?? 0;
const released = (trainer: SpawnedRole) => metric(trainer, 'disco_trainer_batches_released_total');
/** The workers' dataset length (the trainer's plan must agree), from a worker's listening line. */
let datasetSize = 0;

/** Waits until `p` reports at least `least` batches in flight; returns how many. */
async function inFlight(p: SpawnedRole, name: string, least = 1): Promise<number> {
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(25)) {
    const n = await metric(p, name);
    if (n >= least) return n;
  }
  throw new Error(`${name} stayed under ${least} for 60 s\n${logs.tail()}`);
}

/**
 * The trainer's accepted deliveries. Scraped twice: the trainer refreshes its labelled delivery
 * counters while a scrape is being collected, so one scrape shows the previous scrape's counts.
 */
async function acceptedDeliveries(trainer: SpawnedRole): Promise<number> {
  await scrape(trainer, 'disco_trainer_up');
  return metric(trainer, 'disco_trainer_deliveries_total', { outcome: 'accepted' });
}

// One teacher behind a link the tests stall; a trainer behind a link (it is restarted on another port).
const teacherLink = TcpProxy.start();
const trainerLink = TcpProxy.start({ holdWhileDown: true });
const runDir = join(dir, 'run');
const roles = Promise.all([
  start('teacher', 'teacher'),
  start('trainer', 'trainer', ['--trainer.run-dir', runDir]),
  start('trainer', 'trainer-2', ['--trainer.run-dir', join(dir, 'run-2')]),
  teacherLink,
  trainerLink,
]).then(([teacher, trainer, trainer2, tl, rl]) => {
  links.push(tl, rl);
  tl.retarget(teacher.info.port);
  rl.retarget(trainer.info.port);
  return { teacher, trainer, trainer2, teacherLink: tl, trainerLink: rl };
});
const worker = async (name: string) => {
  const { teacherLink: tl, trainerLink: rl } = await roles;
  return start('augment', name, ['--augment.trainer', rl.address, '--augment.teachers', tl.address]);
};

test('augment: SIGTERM → NOT_SERVING, its stuck batch completes and is delivered, exit 0 before the deadline', async (t) => {
  const { trainer, teacherLink: tl } = await roles;
  tl.stall();
  const w = await worker('augment-1');
  datasetSize = Number(w.info.datasetSize);
  // Every slot busy: no credit is outstanding, so any lease after SIGTERM is one the worker asked for while draining.
  const holding = await inFlight(w, 'disco_augment_inflight_batches', SLOTS);
  const [acceptedBefore, releasedBefore] = [await acceptedDeliveries(trainer), await released(trainer)];
  const ending = terminate(w);
  await healthBecomes(w.info.port, 'NOT_SERVING', w.exited);
  tl.resume();
  const { exit, ms, sawNotServing } = await ending;
  assert.ok(sawNotServing, 'health read NOT_SERVING during the drain');
  assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());
  assert.ok(ms < DEADLINE_MS, `drained in ${ms.toFixed(0)} ms, before the ${DEADLINE_MS} ms deadline`);
  // The trainer had nothing else: the batches the worker held are the first of the plan, and it trains them.
  for (const until = Date.now() + 30_000; readRecord(join(runDir, 'record.jsonl')).length < holding; await sleep(25)) {
    assert.ok(Date.now() < until, `the ${holding} batch(es) in flight were not delivered\n${logs.tail()}`);
  }
  assert.equal(await released(trainer), releasedBefore, 'no lease was handed back');
  assert.equal(await acceptedDeliveries(trainer), acceptedBefore + holding, 'the draining worker delivered what it held and took no new lease');
  t.diagnostic(`${holding} batch(es) in flight at SIGTERM; delivered (and trained) and exited 0 after ${ms.toFixed(0)} ms (deadline ${DEADLINE_MS} ms)`);
});

test('augment: a batch that cannot finish → exit 0 at the grace deadline, its leases back with the trainer', async (t) => {
  const { trainer, teacherLink: tl } = await roles;
  tl.stall();
  const w = await worker('augment-2');
  const holding = await inFlight(w, 'disco_augment_inflight_batches');
  const releasedBefore = await released(trainer);
  const { exit, ms, sawNotServing } = await terminate(w);
  tl.resume();
  assert.ok(sawNotServing, 'health read NOT_SERVING during the drain');
  assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());
  assert.ok(ms >= DEADLINE_MS - 100 && ms < DEADLINE_MS + 5000, `exited after ${ms.toFixed(0)} ms: at the ${DEADLINE_MS} ms deadline`);
  await sleep(200); // the trainer sees the lease stream end
  const back = (await released(trainer)) - releasedBefore;
  assert.ok(back >= holding, `the lease(s) in flight (${holding} or more) went back to the trainer`);
  t.diagnostic(`exited 0 after ${ms.toFixed(0)} ms (deadline ${DEADLINE_MS} ms); ${back} lease(s) back with the trainer`);
});

test('trainer: SIGTERM mid-run → NOT_SERVING, checkpoint, exit 0; started again it trains every planned batch exactly once', async (t) => {
  const r = await roles;
  const w = await worker('augment-3');
  for (const until = Date.now() + 60_000; readRecord(join(runDir, 'record.jsonl')).length < 3; await sleep(25)) {
    assert.ok(Date.now() < until, `no 3 steps in 60 s\n${logs.tail()}`);
  }
  const { exit, ms, sawNotServing } = await terminate(r.trainer);
  assert.ok(sawNotServing, 'health read NOT_SERVING during the drain');
  assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());
  assert.ok(ms < DEADLINE_MS + 5000, `drained in ${ms.toFixed(0)} ms`);
  const trained = readRecord(join(runDir, 'record.jsonl')).length;
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.stopped, 'drain');
  const checkpoint = readCheckpoint(summary.lastCheckpoint!);
  assert.equal(checkpoint.meta.position.globalStep, trained, 'the drain checkpointed every step trained');
  assert.ok(trained < RUN.epochs * RUN.stepsPerEpoch, `stopped mid-run (after ${trained} steps)`);
  t.diagnostic(`drained after ${trained} steps in ${ms.toFixed(0)} ms, checkpoint at step ${trained}`);

  const again = await start('trainer', 'trainer-again', ['--trainer.run-dir', runDir]);
  r.trainerLink.retarget(again.info.port);
  assert.deepEqual(await again.exited, { code: 0, signal: null }, logs.tail());
  const count = countBatches(readRecord(join(runDir, 'record.jsonl')), plannedBatches(RUN.name, RUN.epochs, RUN.stepsPerEpoch));
  assert.deepEqual(count, { lost: 0, duplicated: 0, foreign: 0, exactlyOnceInOrder: true });
  await terminate(w);
});

test('trainer: a Deliver call it cannot finish → exit 0 at the grace deadline', async (t) => {
  const { trainer2 } = await roles;
  assert.ok(datasetSize > 0);
  const stuck = await hangingDelivery(trainer2.info.port, datasetSize);
  try {
    await sleep(200);
    const { exit, ms, sawNotServing } = await terminate(trainer2);
    assert.ok(sawNotServing, 'health read NOT_SERVING during the drain');
    assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());
    assert.ok(ms >= DEADLINE_MS - 100 && ms < DEADLINE_MS + 5000, `exited after ${ms.toFixed(0)} ms: at the ${DEADLINE_MS} ms deadline`);
    const cut = await stuck.ended;
    assert.notEqual(cut.code, 0, 'the unfinished call was cut');
    t.diagnostic(`exited 0 after ${ms.toFixed(0)} ms (deadline ${DEADLINE_MS} ms); the Deliver call ended ${cut.code}: ${cut.details}`);
  } finally {
    stuck.close();
  }
});

test('teacher: an Embed call that never completes → exit 0 at the grace deadline', async (t) => {
  const { teacher } = await roles;
  assert.equal(await health(teacher.info.port), 'SERVING');
  const stuck = hangingEmbed(teacher.info.port);
  try {
    await inFlight(teacher, 'disco_teacher_inflight_batches');
    const { exit, ms, sawNotServing } = await terminate(teacher);
    assert.ok(sawNotServing, 'health read NOT_SERVING during the drain');
    assert.deepEqual(exit, { code: 0, signal: null }, logs.tail());
    assert.ok(ms >= DEADLINE_MS - 100 && ms < DEADLINE_MS + 5000, `exited after ${ms.toFixed(0)} ms: at the ${DEADLINE_MS} ms deadline`);
    const cut = await stuck.ended;
    assert.notEqual(cut.code, 0, 'the unfinished call was cut');
    t.diagnostic(`exited 0 after ${ms.toFixed(0)} ms (deadline ${DEADLINE_MS} ms); the Embed call ended ${cut.code}: ${cut.details}`);
  } finally {
    stuck.client.close();
  }
});
