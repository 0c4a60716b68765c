/**
 * One fault trial: the trial's trainer (started ahead of time by `prepareTrainer`, frozen inside
 * a checkpoint write by hooks/checkpoint_block.mjs when the plan kills it there) trains the
 * whole run while each planned fault strikes (fault_actions.ts); then what the run left behind
 * is read and counted (run_checks.ts). Faults on workers, teachers and links are undone by
 * `FaultCluster.heal` afterwards.
 */
import { join } from 'node:path';
import type { SpawnedRole } from '@disco/dataplane';
import { readRecord } from '@disco/trainer-service';
import type { FaultCluster } from './fault_cluster.ts';
import { CHECKPOINT_BLOCK_HOOK } from './roles.ts';
import { checkCheckpoints, countBatches, readRunOutput, weightDifferences, type BatchCount, type CheckpointCheck, type RunOutput } from './run_checks.ts';
import type { TrialPlan } from './trial_plan.ts';
import { strike, type TrialContext } from './fault_actions.ts';

export interface PreparedTrainer {
  runDir: string;
  trainer: Promise<SpawnedRole>;
  /** Resolves with the temporary file's path when the hook has frozen the trainer mid-checkpoint. */
  blocked: Promise<string>;
}

/** Starts the trainer of a trial (with the checkpoint hook when the plan kills it in a checkpoint write). */
export function prepareTrainer(cluster: FaultCluster, plan: TrialPlan, runDir: string): PreparedTrainer {
  const inCheckpoint = plan.faults.find((f) => f.kind === 'kill-trainer-in-checkpoint');
  let onBlocked!: (path: string) => void;
  const blocked = new Promise<string>((resolve) => (onBlocked = resolve));
  const env = inCheckpoint ? { NODE_OPTIONS: `--import ${CHECKPOINT_BLOCK_HOOK}`, FAULT_CHECKPOINT_BLOCK: `${inCheckpoint.checkpoint!.nth}:${inCheckpoint.checkpoint!.phase}` } : undefined;
  const trainer = cluster.startTrainer({
    runDir,
    env,
    onStderr: (line) => {
      const m = /^fault-hook: blocked (?:write|rename) (.+)$/.exec(line);
      if (m) onBlocked(m[1]);
    },
  });
  trainer.catch(() => undefined);
  return { runDir, trainer, blocked };
}

export interface TrialOutcome {
  plan: TrialPlan;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  output?: RunOutput;
  count: BatchCount;
  differences: string[];
  checkpoints: CheckpointCheck;
  /** What the faults did, for the test's diagnostics. */
  notes: string[];
  /** Faults on processes and links that struck while the target had work in flight, of all such faults. */
  busyHits: { busy: number; of: number };
  wallMs: number;
}

export interface TrialInput {
  plan: TrialPlan;
  prepared: PreparedTrainer;
  reference: RunOutput;
  planned: readonly string[];
  timeoutMs?: number;
}

export async function runTrial(cluster: FaultCluster, { plan, prepared, reference, planned, timeoutMs = 120_000 }: TrialInput): Promise<TrialOutcome> {
  const t0 = performance.now();
  const ctx: TrialContext = { cluster, prepared, trainer: await prepared.trainer, finished: false, notes: [], busy: [], held: new Set() };
  cluster.useTrainer(ctx.trainer);
  const strikes = Promise.allSettled(plan.faults.map((f) => strike(ctx, f)));
  const timer = setTimeout(() => {
    ctx.notes.push(`timed out after ${timeoutMs} ms`);
    ctx.trainer.child.kill('SIGKILL');
  }, timeoutMs);
  let exit: TrialOutcome['exit'];
  for (;;) {
    const current = ctx.trainer;
    exit = await current.exited;
    if (ctx.replacing) await ctx.replacing.catch(() => undefined);
    if (ctx.trainer === current) break;
  }
  clearTimeout(timer);
  ctx.finished = true;
  for (const s of await strikes) if (s.status === 'rejected') ctx.notes.push(`fault failed: ${(s.reason as Error).message}`);
  let output: RunOutput | undefined;
  try {
    output = readRunOutput(prepared.runDir);
  } catch (err) {
    ctx.notes.push(`run output unreadable: ${(err as Error).message}`);
  }
  const record = output?.record ?? readRecord(join(prepared.runDir, 'record.jsonl'));
  return {
    plan,
    exit,
    output,
    count: countBatches(record, planned),
    differences: output ? weightDifferences(output, reference) : ['no run output'],
    checkpoints: checkCheckpoints(prepared.runDir),
    notes: ctx.notes,
    busyHits: { busy: ctx.busy.filter(Boolean).length, of: ctx.busy.length },
    wallMs: performance.now() - t0,
  };
}
