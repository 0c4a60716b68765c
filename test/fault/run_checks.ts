/**
 * What a run left behind, and the checks of the fault suite on it, from the trainer's own
 * files only: the record (record.jsonl: one line per trained batch), the checkpoints (each read
 * back with the trainer's reader, which verifies its checksum), the exported student and the
 * summary.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@disco/models';
import { readCheckpoint, readRecord, type RecordLine, type RunSummary } from '@disco/trainer-service';

/** The plan's batch ids in training order. */
export function plannedBatches(run: string, epochs: number, stepsPerEpoch: number): string[] {
  const out: string[] = [];
  for (let e = 0; e < epochs; e++) for (let s = 0; s < stepsPerEpoch; s++) out.push(`${run}/${e}/${s}`);
  return out;
}

export interface BatchCount {
  /** Planned batches the record lacks. */
  lost: number;
  /** Record lines beyond the first for a batch (trained twice or more). */
  duplicated: number;
  /** Record lines of batches that were never planned. */
  foreign: number;
  /** Every planned batch once, in plan order, global steps 0, 1, 2, … */
  exactlyOnceInOrder: boolean;
}

export function countBatches(record: readonly RecordLine[], planned: readonly string[]): BatchCount {
  const seen = new Map<string, number>();
  for (const r of record) seen.set(r.batch, (seen.get(r.batch) ?? 0) + 1);
  const plannedSet = new Set(planned);
  return {
    lost: planned.filter((b) => !seen.has(b)).length,
    duplicated: [...seen.values()].reduce((sum, n) => sum + n - 1, 0),
    foreign: record.filter((r) => !plannedSet.has(r.batch)).length,
    exactlyOnceInOrder: record.length === planned.length && record.every((r, i) => r.batch === planned[i] && r.globalStep === i),
  };
}

export interface RunOutput {
  runDir: string;
  record: RecordLine[];
  summary: RunSummary;
  /** Exported backbone tensors and the final checkpoint's whole training state, as bytes. */
  exported: Map<string, Buffer>;
  state: Map<string, Buffer>;
}

export function readRunOutput(runDir: string): RunOutput {
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  const record = readRecord(join(runDir, 'record.jsonl'));
  if (summary.state !== 'DONE') return { runDir, record, summary, exported: new Map(), state: new Map() };
  const exported = new Map([...readSafetensors(join(runDir, 'export', 'student.safetensors')).tensors].map(([n, t]) => [n, Buffer.from(t.data)]));
  const last = readCheckpoint(summary.lastCheckpoint!);
  const state = new Map([...last.state.tensors].map(([n, t]) => [n, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
  return { runDir, record, summary, exported, state };
}

/** Every way `run` differs from `reference` in weights, training state and per-step losses (empty: bit-identical). */
export function weightDifferences(run: RunOutput, reference: RunOutput): string[] {
  const out: string[] = [];
  const compare = (what: string, a: Map<string, Buffer>, b: Map<string, Buffer>) => {
    if (a.size === 0) out.push(`${what}: none (run state ${run.summary.state})`);
    for (const [name, bytes] of b) {
      const mine = a.get(name);
      if (!mine) out.push(`${what} ${name}: missing`);
      else if (!bytes.equals(mine)) out.push(`${what} ${name}: differs`);
    }
    for (const name of a.keys()) if (!b.has(name)) out.push(`${what} ${name}: not in the reference`);
  };
  compare('exported', run.exported, reference.exported);
  compare('state', run.state, reference.state);
  const losses = (o: RunOutput) => o.record.map((r) => JSON.stringify([r.batch, r.loss, r.terms, r.lr]));
  const [a, b] = [losses(run), losses(reference)];
  const firstDiff = b.findIndex((line, i) => a[i] !== line);
  if (a.length !== b.length || firstDiff >= 0) out.push(`losses differ from step ${firstDiff >= 0 ? firstDiff : Math.min(a.length, b.length)}`);
  return out;
}

export interface CheckpointCheck {
  /** Checkpoint files, each with the reader's error if it did not load. */
  files: { name: string; error?: string }[];
  /** Temporary files of unfinished writes still in the folder. */
  temporary: string[];
}

/** Reads back every checkpoint in the run's checkpoints folder. */
export function checkCheckpoints(runDir: string): CheckpointCheck {
  const dir = join(runDir, 'checkpoints');
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  const files = names
    .filter((n) => /\.safetensors$/.test(n))
    .map((name) => {
      try {
        readCheckpoint(join(dir, name));
        return { name };
      } catch (err) {
        return { name, error: (err as Error).message };
      }
    });
  return { files, temporary: names.filter((n) => /\.tmp-/.test(n)) };
}

/** Names of temporary checkpoint files in the run's checkpoints folder now. */
export function temporaryCheckpoints(runDir: string): string[] {
  const dir = join(runDir, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).filter((n) => /\.tmp-/.test(n)) : [];
}
