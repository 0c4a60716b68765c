/**
 * Loss curves from a run's record (`record.jsonl`, one line per trained step with the loss and
 * each loss term; services/trainer/src/record.ts): per-epoch means and a binned per-step curve.
 * Parsed here rather than imported, because test/ reads the trainer's output as a user would.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The fields of a record line this report uses. */
interface RecordLine {
  globalStep: number;
  epoch: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
  computeSeconds: number;
  dataWaitSeconds: number;
}

export interface CurvePoint {
  /** Global step at the middle of the bin. */
  step: number;
  loss: number;
  terms: Record<string, number>;
}

export interface EpochMeans {
  epoch: number;
  steps: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
}

export interface Curves {
  steps: number;
  stepsPerBin: number;
  curve: CurvePoint[];
  epochs: EpochMeans[];
  /** Seconds spent computing and waiting for data over the whole record. */
  computeSeconds: number;
  dataWaitSeconds: number;
}

export class RecordReadError extends Error {
  override name = 'RecordReadError';
}

function readLines(path: string): RecordLine[] {
  if (!existsSync(path)) throw new RecordReadError(`${path} does not exist`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as RecordLine;
      } catch (err) {
        throw new RecordReadError(`${path}: line ${i + 1} is not JSON (${(err as Error).message})`);
      }
    });
}

function mean(lines: readonly RecordLine[]): { loss: number; terms: Record<string, number>; lr: number } {
  const terms: Record<string, number> = {};
  for (const l of lines) for (const [k, v] of Object.entries(l.terms)) terms[k] = (terms[k] ?? 0) + v / lines.length;
  return { loss: lines.reduce((s, l) => s + l.loss, 0) / lines.length, terms, lr: lines.reduce((s, l) => s + l.lr, 0) / lines.length };
}

/** Curves of the record at `path`, binned to at most `maxPoints` points. */
export function readCurves(path: string, maxPoints = 200): Curves {
  const lines = readLines(path);
  if (lines.length === 0) throw new RecordReadError(`${path} has no trained steps`);
  const stepsPerBin = Math.max(1, Math.ceil(lines.length / maxPoints));
  const curve: CurvePoint[] = [];
  for (let i = 0; i < lines.length; i += stepsPerBin) {
    const bin = lines.slice(i, i + stepsPerBin);
    const { loss, terms } = mean(bin);
    curve.push({ step: (bin[0].globalStep + bin[bin.length - 1].globalStep) / 2, loss, terms });
  }
  const byEpoch = new Map<number, RecordLine[]>();
  for (const l of lines) byEpoch.set(l.epoch, [...(byEpoch.get(l.epoch) ?? []), l]);
  const epochs = [...byEpoch].sort(([a], [b]) => a - b).map(([epoch, ls]) => ({ epoch, steps: ls.length, ...mean(ls) }));
  return {
    steps: lines.length,
    stepsPerBin,
    curve,
    epochs,
    computeSeconds: lines.reduce((s, l) => s + l.computeSeconds, 0),
    dataWaitSeconds: lines.reduce((s, l) => s + l.dataWaitSeconds, 0),
  };
}
