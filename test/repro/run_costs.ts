/**
 * What a reproduction cost and where it ran, for the report: wall times read back from the run
 * directories and evaluation files, and the machine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { EvalEntry, Results } from './results.ts';

/** Training and evaluation wall time, and the span from the first trained step to the last file written. */
export function runWall(opts: { runDirs: string[]; evalsDir: string; trainSeconds: number }): Results['wall'] {
  const evals = readdirSync(opts.evalsDir).filter((f) => f.endsWith('.json')).map((f) => join(opts.evalsDir, f));
  // A run's start: its first trained step's end minus that step's time (start-up of a few seconds left out).
  const starts = opts.runDirs
    .map((d) => join(d, 'record.jsonl'))
    .filter(existsSync)
    .map((f) => JSON.parse(readFileSync(f, 'utf8').split('\n')[0]) as { time: number; dataWaitSeconds: number; computeSeconds: number })
    .map((l) => l.time - 1000 * (l.dataWaitSeconds + l.computeSeconds));
  const ends = [...evals, ...opts.runDirs.map((d) => join(d, 'summary.json')).filter(existsSync)].map((f) => statSync(f).mtimeMs);
  if (!starts.length || !ends.length) return undefined;
  const [first, last] = [Math.min(...starts), Math.max(...ends)];
  return {
    trainSeconds: opts.trainSeconds,
    evalSeconds: evals.reduce((s, f) => s + (JSON.parse(readFileSync(f, 'utf8')) as EvalEntry).wallSeconds, 0),
    evalCount: evals.length,
    elapsedSeconds: (last - first) / 1000,
    firstStart: new Date(first).toISOString(),
    lastEnd: new Date(last).toISOString(),
  };
}

/** The machine and engine the runs used. */
export async function hardware(): Promise<Results['hardware']> {
  const { initBackend } = await import('@disco/tensor');
  const backend = await initBackend();
  return {
    cpus: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    backend: `${backend.name} (tfjs ${backend.tfjsVersion}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}, simd ${backend.simd})`,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
}
