/**
 * What each fault does to the deployment, once the trial's record holds its step: SIGKILL or
 * SIGSTOP/SIGCONT of a worker or teacher, a stalled or dropped link, a teacher link routed to
 * the wrong-dim teacher, the trainer SIGKILLed while the hook holds it inside a checkpoint write
 * (then started again on the same run directory). Before striking a process or link, a fault
 * waits briefly for traffic on it, so that it catches a batch in flight.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SpawnedRole } from '@disco/dataplane';
import { readRecord } from '@disco/trainer-service';
import type { FaultCluster } from './fault_cluster.ts';
import { alive, sleep } from './roles.ts';
import { temporaryCheckpoints } from './run_checks.ts';
import { describeFault, type Fault } from './trial_plan.ts';
import type { PreparedTrainer } from './trial_runner.ts';

export interface TrialContext {
  cluster: FaultCluster;
  prepared: PreparedTrainer;
  trainer: SpawnedRole;
  /** Set while a killed trainer is being replaced. */
  replacing?: Promise<void>;
  finished: boolean;
  notes: string[];
  /** Per fault on a process or link: whether it struck while that process had work in flight. */
  busy: boolean[];
  /** Targets paused or stalled right now ('worker-0', 'teacher-1'): no traffic to wait for. */
  held: Set<string>;
}

const recordLength = (runDir: string) => readRecord(join(runDir, 'record.jsonl')).length;

async function untilStep(ctx: TrialContext, step: number): Promise<boolean> {
  while (!ctx.finished) {
    if (recordLength(ctx.prepared.runDir) >= step) return true;
    await sleep(20);
  }
  return false;
}

/**
 * Waits (up to 1 s) for traffic on the link of the fault's target: a lease spec reaching the
 * worker (its trainer link, downstream) or views reaching the teacher (its link, upstream), so
 * the fault strikes a process with a batch in hand rather than an idle one. Best effort: the
 * checks after the trial hold either way.
 */
function inFlight(ctx: TrialContext, fault: Fault): Promise<boolean> {
  const onWorker = fault.kind.includes('augment') || fault.kind.includes('trainer-link');
  if (ctx.held.has(targetOf(fault))) return Promise.resolve(false);
  return onWorker ? ctx.cluster.workers[fault.slot].trainerLink.nextTraffic('down', 1000) : ctx.cluster.teacherLinks[fault.slot].nextTraffic('up', 1000);
}

/** What a fault stops: a worker (and its trainer link) or a teacher (and its link). */
function targetOf(fault: Fault): string {
  return `${fault.kind.includes('augment') || fault.kind.includes('trainer-link') ? 'worker' : 'teacher'}-${fault.slot}`;
}

/** Runs `fn` with the fault's target marked as held (paused or stalled). */
async function holding(ctx: TrialContext, fault: Fault, fn: () => Promise<void>): Promise<void> {
  const target = targetOf(fault);
  const mine = !ctx.held.has(target);
  ctx.held.add(target);
  try {
    await fn();
  } finally {
    if (mine) ctx.held.delete(target);
  }
}

async function pauseProcess(p: SpawnedRole, ms: number): Promise<void> {
  p.child.kill('SIGSTOP');
  await sleep(ms);
  if (alive(p)) p.child.kill('SIGCONT');
}

export async function strike(ctx: TrialContext, fault: Fault): Promise<void> {
  const { cluster } = ctx;
  if (fault.kind === 'kill-trainer-in-checkpoint') return killInCheckpoint(ctx);
  if (!(await untilStep(ctx, fault.afterStep))) {
    ctx.notes.push(`${describeFault(fault)}: the run ended first`);
    return;
  }
  if (fault.kind !== 'wrong-dim-teacher') ctx.busy.push(await inFlight(ctx, fault));
  if (ctx.finished) {
    ctx.notes.push(`${describeFault(fault)}: the run ended first`);
    return;
  }
  const worker = cluster.workers[fault.slot].process;
  const teacher = cluster.teachers[fault.slot];
  cluster.logs.push(`fault-suite: ${describeFault(fault)} strikes at step ${recordLength(ctx.prepared.runDir)}`);
  switch (fault.kind) {
    case 'kill-augment':
      if (alive(worker)) worker.child.kill('SIGKILL');
      break;
    case 'kill-teacher':
      if (alive(teacher)) teacher.child.kill('SIGKILL');
      break;
    case 'pause-augment':
      if (alive(worker)) await holding(ctx, fault, () => pauseProcess(worker, fault.holdMs!));
      break;
    case 'pause-teacher':
      if (alive(teacher)) await holding(ctx, fault, () => pauseProcess(teacher, fault.holdMs!));
      break;
    case 'stall-trainer-link':
    case 'stall-teacher-link': {
      const link = fault.kind === 'stall-trainer-link' ? cluster.workers[fault.slot].trainerLink : cluster.teacherLinks[fault.slot];
      await holding(ctx, fault, async () => {
        link.stall();
        await sleep(fault.holdMs!);
        link.resume();
      });
      break;
    }
    case 'drop-trainer-link':
    case 'drop-teacher-link': {
      const link = fault.kind === 'drop-trainer-link' ? cluster.workers[fault.slot].trainerLink : cluster.teacherLinks[fault.slot];
      ctx.notes.push(`${fault.kind}: ${link.drop()} connections dropped`);
      break;
    }
    case 'wrong-dim-teacher':
      await cluster.routeTeacher(fault.slot, 'wrong-dim');
      break;
  }
}

/** Waits for the hook to freeze the trainer inside a checkpoint write, SIGKILLs it there and starts it again. */
async function killInCheckpoint(ctx: TrialContext): Promise<void> {
  const tmp = await Promise.race([ctx.prepared.blocked, ctx.trainer.exited.then(() => undefined)]);
  if (tmp === undefined) {
    ctx.notes.push('kill-trainer-in-checkpoint: the trainer exited before the hook froze it');
    return;
  }
  const victim = ctx.trainer;
  ctx.replacing = (async () => {
    victim.child.kill('SIGKILL');
    await victim.exited;
    ctx.cluster.useTrainer(undefined);
    const left = temporaryCheckpoints(ctx.prepared.runDir);
    const final = tmp.replace(/\.tmp-[^/]*$/, '');
    ctx.notes.push(`trainer SIGKILLed inside the write of ${basename(final)} at step ${recordLength(ctx.prepared.runDir)}; temporary files left: ${left.length}`);
    if (left.length === 0) throw new Error(`the kill did not land inside the checkpoint write: no temporary file in ${ctx.prepared.runDir}/checkpoints`);
    if (existsSync(final)) throw new Error(`${final} exists although its write was cut short: the write is not atomic`);
    ctx.trainer = await ctx.cluster.startTrainer({ runDir: ctx.prepared.runDir });
    ctx.cluster.useTrainer(ctx.trainer);
  })();
  await ctx.replacing;
}

