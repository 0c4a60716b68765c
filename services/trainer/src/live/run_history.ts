/**
 * The run's curves for the live page: one point per sample (the page's timer, once a second,
 * when a step was trained since the last), bounded — when full, every other point is dropped,
 * so a week-long run still shows its whole history at a coarser grain.
 */
export interface HistoryPoint {
  /** Seconds since this trainer process started. */
  t: number;
  globalStep: number;
  imagesPerSecond: number;
  /** Fraction of recent step time spent waiting for data. */
  dataWait: number;
  lr: number;
  losses: Record<string, number>;
}

export interface KnnPoint {
  epoch: number;
  top1: number;
  top5: number;
}

export class RunHistory {
  private readonly steps: HistoryPoint[] = [];
  private readonly knnPoints: KnnPoint[] = [];

  constructor(private readonly maxPoints = 600) {}

  /** Adds `p` unless it repeats the last point's step. */
  add(p: HistoryPoint): void {
    if (this.steps.length && this.steps[this.steps.length - 1].globalStep === p.globalStep) return;
    this.steps.push(p);
    if (this.steps.length > this.maxPoints) {
      const kept = this.steps.filter((_, i) => i % 2 === 0 || i === this.steps.length - 1);
      this.steps.splice(0, this.steps.length, ...kept);
    }
  }

  addKnn(p: KnnPoint): void {
    if (!this.knnPoints.some((k) => k.epoch === p.epoch)) this.knnPoints.push(p);
  }

  points(): readonly HistoryPoint[] {
    return this.steps;
  }

  knn(): readonly KnnPoint[] {
    return this.knnPoints;
  }
}
