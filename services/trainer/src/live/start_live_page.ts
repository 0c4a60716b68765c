/**
 * Wires the live page to a training run: samples the run's progress into its history once a
 * second, checks the teachers the workers named, and returns the pages the metrics server
 * serves beside /metrics (`/` and `/status.json`).
 */
import { clientSecurity } from '@disco/dataplane';
import type { ExtraPage } from '@disco/metrics';
import type { TrainerConfig } from '../config.ts';
import type { TrainingRun } from '../run.ts';
import { LIVE_PAGE_HTML } from './live_page.ts';
import { liveStatus } from './live_status.ts';
import { RunHistory } from './run_history.ts';
import { TeacherHealth } from './teacher_health.ts';

export interface LivePage {
  pages: Record<string, ExtraPage>;
  close(): void;
}

export function startLivePage(config: Readonly<TrainerConfig>, run: TrainingRun, sampleMs = 1000): LivePage {
  const startedAt = Date.now();
  const history = new RunHistory();
  const progress = run.progress;
  const sample = () => {
    if (progress.totals.steps > 0) {
      history.add({
        t: (Date.now() - startedAt) / 1000,
        globalStep: progress.position.globalStep,
        imagesPerSecond: progress.imagesPerSecond,
        dataWait: progress.recentDataWaitFraction,
        lr: progress.lr,
        losses: { ...progress.losses },
      });
    }
    if (progress.knn) history.addKnn({ ...progress.knn });
  };
  const timer = setInterval(sample, sampleMs);
  timer.unref();
  const teachers = new TeacherHealth(() => [...new Set(run.coordinator.sessions.list().flatMap((w) => w.teachers))], clientSecurity(config.tls));
  const status = () => {
    sample();
    return liveStatus({
      run: config.trainer.run,
      mode: config.algo.mode,
      model: `${config.trainer.model} ×${config.trainer.width}`,
      batchSize: config.trainer.batchSize,
      progress,
      coordinator: run.coordinator,
      history,
      teachers,
      startedAt,
    });
  };
  return {
    pages: {
      '/': { contentType: 'text/html; charset=utf-8', body: () => LIVE_PAGE_HTML },
      '/status.json': { contentType: 'application/json', body: () => JSON.stringify(status()) },
    },
    close() {
      clearInterval(timer);
      teachers.close();
    },
  };
}
