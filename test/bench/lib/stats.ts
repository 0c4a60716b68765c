/** Timing: warm-up runs, then timed runs; the median is the figure we report. */
import { performance } from 'node:perf_hooks';

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of an empty list');
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Timing {
  /** Median wall time of one timed run, ms. */
  medianMs: number;
  /** Every timed run, ms, in the order they ran. */
  samplesMs: number[];
}

export interface TimingPlan {
  warmup: number;
  iters: number;
  /** Called after each run with its index (negative for warm-up) and time; for progress lines. */
  onRun?: (index: number, ms: number) => void;
}

/** Runs `step` `warmup` times untimed, then `iters` times timed; `step` must finish its work before resolving. */
export async function measure(step: () => Promise<void>, plan: TimingPlan): Promise<Timing> {
  if (plan.iters < 1) throw new RangeError(`iters ${plan.iters} must be at least 1`);
  const samplesMs: number[] = [];
  for (let i = -plan.warmup; i < plan.iters; i++) {
    const t0 = performance.now();
    await step();
    const ms = performance.now() - t0;
    if (i >= 0) samplesMs.push(ms);
    plan.onRun?.(i, ms);
  }
  return { medianMs: median(samplesMs), samplesMs };
}
