/**
 * The run directory's checkpoints: `checkpoints/step-<globalStep>.safetensors`, and the one rule
 * for which of them counts (resume, `disco eval` and `disco import-teacher` all use it): the
 * newest that reads back and verifies. A file that does not (CheckpointError: torn, corrupt,
 * unreadable, foreign) is skipped with its reason; anything else is a bug and is thrown. `save`
 * writes one atomically and keeps the newest `keep`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint_file.ts';
import type { Log } from '@disco/metrics';

/** Checkpoint file names: the global step, zero-padded so names sort in step order. */
const CHECKPOINT_NAME = /^step-(\d{10})\.safetensors$/;

/** The checkpoint files in `dir` (a run's `checkpoints/` folder) with their global step, newest first; none if it is missing. */
export function listCheckpoints(dir: string): { path: string; globalStep: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => CHECKPOINT_NAME.test(f))
    .sort()
    .reverse()
    .map((f) => ({ path: join(dir, f), globalStep: Number(CHECKPOINT_NAME.exec(f)![1]) }));
}

/** The newest checkpoint in `dir` that reads back and verifies (none if there is none), and why newer ones were skipped. */
export function newestValidCheckpoint(dir: string): { newest?: { path: string; checkpoint: Checkpoint }; skipped: string[] } {
  const skipped: string[] = [];
  for (const { path } of listCheckpoints(dir)) {
    try {
      return { newest: { path, checkpoint: readCheckpoint(path) }, skipped };
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      skipped.push(err.message);
    }
  }
  return { skipped };
}

export interface CheckpointStoreOptions {
  keep: number;
  log?: Log;
}

export class CheckpointStore {
  constructor(readonly dir: string, private readonly options: CheckpointStoreOptions) {
    mkdirSync(dir, { recursive: true });
    // Temporary files of writes cut short by a crash (one trainer per run directory).
    for (const f of readdirSync(dir)) if (/\.safetensors\.tmp-/.test(f)) rmSync(join(dir, f), { force: true });
  }

  pathFor(globalStep: number): string {
    return join(this.dir, `step-${String(globalStep).padStart(10, '0')}.safetensors`);
  }

  /** Checkpoint paths, newest first. */
  list(): string[] {
    return listCheckpoints(this.dir).map((c) => c.path);
  }

  save(checkpoint: Checkpoint): string {
    const path = this.pathFor(checkpoint.meta.position.globalStep);
    writeCheckpoint(path, checkpoint);
    for (const old of this.list().slice(this.options.keep)) rmSync(old, { force: true });
    return path;
  }

  /** The newest checkpoint that verifies, with its path (those skipped are logged); undefined when there is none. */
  latest(): { path: string; checkpoint: Checkpoint } | undefined {
    const { newest, skipped } = newestValidCheckpoint(this.dir);
    for (const reason of skipped) this.options.log?.(`skipping ${reason}`, { level: 'warn' });
    return newest;
  }
}
