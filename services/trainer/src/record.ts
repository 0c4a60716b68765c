/**
 * The record of trained batches: `record.jsonl` in the run directory, one line per train step,
 * in training order. Tests and tools read it to check that every planned batch was trained
 * exactly once, in order. On resume it is cut back to the checkpoint's step count, so a batch
 * trained after the checkpoint (and lost with the trainer) is trained and recorded again once.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';

export interface RecordLine {
  /** Steps trained before this one in the run (0-based global step). */
  globalStep: number;
  epoch: number;
  step: number;
  /** `run/epoch/step`. */
  batch: string;
  /** The loss that was differentiated. */
  loss: number;
  /** Each loss term (contrastive, distill1, distill2, seed). */
  terms: Record<string, number>;
  lr: number;
  images: number;
  /** Seconds waiting for the batch, and training on it. */
  dataWaitSeconds: number;
  computeSeconds: number;
  /** Live tensors in the engine after the step (constant in a run that leaks nothing). */
  tensors?: number;
  /** Images the augment worker replaced (unreadable ones), by dataset index. */
  rejected?: number[];
  /** Unix ms when the step finished. */
  time: number;
  /**
   * A data-parallel replica's line written on resume for a step the group trained but this
   * replica died before recording (its loss and timings are unknown: NaN).
   */
  recovered?: true;
}

export class RecordError extends Error {
  override name = 'RecordError';
}

/** Every complete line of a record (a torn last line, from a crash mid-write, is left out). */
export function readRecord(path: string): RecordLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const out: RecordLine[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    try {
      out.push(JSON.parse(line) as RecordLine);
    } catch (err) {
      if (i === lines.length - 1) return; // torn tail: no newline after it
      throw new RecordError(`${path}: line ${i + 1} is not JSON (${(err as Error).message})`);
    }
  });
  return out;
}

/** Byte offset just past the `n`-th newline (0 for n = 0). */
function endOfLine(bytes: Buffer, n: number): number {
  let offset = 0;
  for (let i = 0; i < n; i++) offset = bytes.indexOf(0x0a, offset) + 1;
  return offset;
}

export class TrainRecord {
  private fd: number;

  /**
   * Opens the record for appending, keeping its first `keep` lines (the steps a checkpoint
   * holds); a record shorter than that is an error (it was cut or belongs to another run) —
   * unless `recover` is given (a data-parallel replica other than rank 0, whose last trained
   * step may have gone unrecorded when it was killed): then the missing lines are written from
   * it, marked `recovered`.
   */
  constructor(readonly path: string, keep: number, options: { recover?: (globalStep: number) => RecordLine } = {}) {
    const lines = readRecord(path);
    if (lines.length < keep && !options.recover) throw new RecordError(`${path}: ${lines.length} lines but the checkpoint holds ${keep} trained steps`);
    const kept = lines.slice(0, keep);
    kept.forEach((l, i) => {
      if (l.globalStep !== i) throw new RecordError(`${path}: line ${i + 1} has globalStep ${l.globalStep}`);
    });
    if (existsSync(path)) truncateSync(path, endOfLine(readFileSync(path), kept.length));
    this.fd = openSync(path, 'a');
    for (let g = kept.length; g < keep; g++) this.append({ ...options.recover!(g), recovered: true });
  }

  append(line: RecordLine): void {
    const bytes = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  /** Makes appended lines durable (before a checkpoint that counts them). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
