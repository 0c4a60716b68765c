/**
 * The run directory's checkpoints: `checkpoints/step-<globalStep>.safetensors`. `save` writes
 * one atomically and keeps the newest `keep`; `latest` returns the newest one that reads back
 * and verifies, reporting (and skipping) torn or corrupt ones.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint_file.ts';
import type { Log } from '@disco/metrics';

const NAME = /^step-(\d{10})\.safetensors$/;

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
    return readdirSync(this.dir)
      .filter((f) => NAME.test(f))
      .sort()
      .reverse()
      .map((f) => join(this.dir, f));
  }

  save(checkpoint: Checkpoint): string {
    const path = this.pathFor(checkpoint.meta.position.globalStep);
    writeCheckpoint(path, checkpoint);
    for (const old of this.list().slice(this.options.keep)) rmSync(old, { force: true });
    return path;
  }

  /** The newest checkpoint that verifies, with its path; undefined when there is none. */
  latest(): { path: string; checkpoint: Checkpoint } | undefined {
    for (const path of this.list()) {
      try {
        return { path, checkpoint: readCheckpoint(path) };
      } catch (err) {
        this.options.log?.(`skipping ${(err as Error).message}`, { level: 'warn', err });
      }
    }
    return undefined;
  }
}
