/**
 * Timing: warm-up runs, then timed runs; the median is the figure we report. Several sides
 * (ours, PyTorch) are run interleaved, one step each in turn, so that on a shared machine both
 * see the same background load rather than one side getting a quiet minute and the other a busy one.
 */
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

/** One step of one side; resolves to the step's time in ms once its work is done. */
export type TimedStep = () => Promise<number>;

/** A step timed by wall clock around it (it must finish its work before resolving). */
export function wallClock(step: () => Promise<void>): TimedStep {
  return async () => {
    const t0 = performance.now();
    await step();
    return performance.now() - t0;
  };
}

export interface TimingPlan {
  warmup: number;
  iters: number;
  /** Called after each run with its index (negative for warm-up) and time; for progress lines. */
  onRun?: (index: number, ms: number) => void;
}

/** Runs `step` `warmup` times untimed, then `iters` times timed; `step` must finish its work before resolving. */
export async function measure(step: () => Promise<void>, plan: TimingPlan): Promise<Timing> {
  const [timing] = await measureInterleaved([wallClock(step)], { ...plan, onRun: plan.onRun && ((i, _side, ms) => plan.onRun!(i, ms)) });
  return timing;
}

export interface InterleavedPlan {
  warmup: number;
  iters: number;
  /** Called after each step with the run index (negative for warm-up), the side's index and its time. */
  onRun?: (index: number, side: number, ms: number) => void;
}

/**
 * Runs each side `warmup` times untimed, then `iters` times timed, the sides taking turns
 * within each run; returns one `Timing` per side.
 */
export async function measureInterleaved(sides: readonly TimedStep[], plan: InterleavedPlan): Promise<Timing[]> {
  if (plan.iters < 1) throw new RangeError(`iters ${plan.iters} must be at least 1`);
  const samples = sides.map((): number[] => []);
  for (let i = -plan.warmup; i < plan.iters; i++) {
    for (const [s, step] of sides.entries()) {
      const ms = await step();
      if (i >= 0) samples[s].push(ms);
      plan.onRun?.(i, s, ms);
    }
  }
  return samples.map((samplesMs) => ({ medianMs: median(samplesMs), samplesMs }));
}
