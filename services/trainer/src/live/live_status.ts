/**
 * `/status.json` of the trainer's live page: where the run stands, its curves and the health of
 * every role it can see (itself; the augment workers on lease streams; the teachers the workers
 * named, checked with gRPC health). The page polls it; tests and scripts may too.
 */
import type { DataplaneCoordinator } from '@disco/dataplane';
import type { Progress } from '../progress.ts';
import type { RunHistory } from './run_history.ts';
import type { TeacherHealth } from './teacher_health.ts';

export interface LiveStatusSources {
  run: string;
  mode: string;
  model: string;
  batchSize: number;
  progress: Progress;
  coordinator: DataplaneCoordinator;
  history: RunHistory;
  teachers: TeacherHealth;
  startedAt: number;
}

export function liveStatus(s: LiveStatusSources): Record<string, unknown> {
  const p = s.progress;
  const total = p.epochs * p.stepsPerEpoch;
  const done = Math.min(total, p.position.globalStep);
  const ips = p.imagesPerSecond;
  const window = s.coordinator.window.stats();
  return {
    run: s.run,
    mode: s.mode,
    model: s.model,
    state: p.state,
    message: p.message,
    epoch: p.position.epoch,
    epochs: p.epochs,
    step: p.position.step,
    stepsPerEpoch: p.stepsPerEpoch,
    globalStep: p.position.globalStep,
    totalSteps: total,
    fraction: total > 0 ? done / total : 0,
    etaSeconds: ips > 0 ? ((total - done) * s.batchSize) / ips : null,
    imagesPerSecond: ips,
    dataWaitFraction: p.recentDataWaitFraction,
    losses: p.losses,
    lr: p.lr,
    knn: p.knn ?? null,
    uptimeSeconds: (Date.now() - s.startedAt) / 1000,
    batches: { inFlight: window.leased + window.delivered, released: window.released },
    roles: {
      trainer: { state: p.state },
      workers: s.coordinator.sessions.list().map((w) => ({ id: w.workerId, connectedSeconds: (Date.now() - w.since) / 1000 })),
      teachers: s.teachers.list(),
    },
    history: s.history.points(),
    knnHistory: s.history.knn(),
  };
}
