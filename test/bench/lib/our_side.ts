/** Our side of a side-by-side bench: a bench's step wrapped with a leak check and a clear out-of-memory error. */
import * as tf from '@tensorflow/tfjs-core';
import { BenchRunError } from './errors.ts';
import { wallClock, type TimedStep } from './stats.ts';

/** A bench's step on our engine; `step` resolves once its results are computed. */
export interface OurStep {
  step(): Promise<void>;
  dispose(): void;
}

const HEAP_ERRORS = /memory access out of bounds|out of memory|Cannot enlarge memory|Aborted\(|Array buffer allocation failed/i;

/**
 * Times `ours` by wall clock. Fails if the live tensor count changes from one step to the next
 * (the first step may allocate state, e.g. optimiser slots), and turns a heap exhaustion into
 * a `BenchRunError` that asks for a smaller batch.
 */
export function guardedStep(bench: string, ours: OurStep, batch: number): TimedStep {
  let baseline: number | undefined;
  const timed = wallClock(async () => {
    await ours.step();
    const n = tf.memory().numTensors;
    baseline ??= n;
    if (n !== baseline) throw new BenchRunError(`${bench}: live tensors went from ${baseline} to ${n} in one step (a leak)`);
  });
  return async () => {
    try {
      return await timed();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if ((err as Error)?.name === 'WasmMemoryError' || HEAP_ERRORS.test(msg)) {
        throw new BenchRunError(`${bench}: our engine ran out of memory at batch ${batch} (the wasm heap stops at 4 GB): retry with a smaller --batch (${msg.split('\n')[0]})`);
      }
      throw err;
    }
  };
}
