/**
 * What the run has done so far, as the Status RPC, the logs and the summary report it: state,
 * plan position, last losses and lr, and throughput over the last steps (images/s and the
 * fraction of step time spent waiting for data).
 */
import type { BatchKeyed } from '@disco/dataplane';
import type { PlanPosition } from './checkpoint/checkpoint_file.ts';

export type RunState = 'STARTING' | 'TRAINING' | 'STOPPING' | 'DONE' | 'FAILED';

interface StepTiming {
  images: number;
  dataWait: number;
  compute: number;
}

export class Progress {
  state: RunState = 'STARTING';
  message = '';
  position: PlanPosition = { epoch: 0, step: 0, globalStep: 0 };
  losses: Record<string, number> = {};
  lr = 0;
  lastTrained: BatchKeyed | undefined;
  /** The latest online kNN result (fractions), once one ran. */
  knn: { top1: number; top5: number; epoch: number } | undefined;
  /** Steps, images and seconds trained by this process (not counting a resumed past). */
  readonly totals = { steps: 0, images: 0, dataWait: 0, compute: 0 };
  /** The first step's data wait (the workers starting up). */
  private firstWait = 0;
  private readonly recent: StepTiming[] = [];

  constructor(readonly epochs: number, readonly stepsPerEpoch: number, private readonly span = 20) {}

  stepDone(timing: StepTiming): void {
    this.recent.push(timing);
    if (this.recent.length > this.span) this.recent.shift();
    if (this.totals.steps === 0) this.firstWait = timing.dataWait;
    this.totals.steps++;
    this.totals.images += timing.images;
    this.totals.dataWait += timing.dataWait;
    this.totals.compute += timing.compute;
  }

  /** Images per second over the last steps, data wait included. */
  get imagesPerSecond(): number {
    const seconds = this.recent.reduce((s, t) => s + t.dataWait + t.compute, 0);
    return seconds > 0 ? this.recent.reduce((s, t) => s + t.images, 0) / seconds : 0;
  }

  /** Fraction of this process's step time spent waiting for data. */
  /** The fraction of step time spent waiting for data over the last steps (the live page's curve). */
  get recentDataWaitFraction(): number {
    const wait = this.recent.reduce((s, t) => s + t.dataWait, 0);
    const all = this.recent.reduce((s, t) => s + t.dataWait + t.compute, 0);
    return all > 0 ? wait / all : 0;
  }

  get dataWaitFraction(): number {
    const all = this.totals.dataWait + this.totals.compute;
    return all > 0 ? this.totals.dataWait / all : 0;
  }

  /** The same, leaving out the first step's wait (start-up of the workers, not steady state). */
  get dataWaitFractionAfterFirstStep(): number {
    const all = this.totals.dataWait + this.totals.compute - this.firstWait;
    return all > 0 ? (this.totals.dataWait - this.firstWait) / all : 0;
  }

  get totalSteps(): number {
    return this.epochs * this.stepsPerEpoch;
  }
}
