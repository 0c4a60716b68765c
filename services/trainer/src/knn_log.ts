/**
 * The online kNN during training (is the student learning, without a separate eval run): every `trainer.knnEvery` epochs and after the
 * last, the engine embeds its fixed labelled bank and queries with the student's backbone
 * (BatchNorm in eval mode: nothing in the training state changes) and classifies the queries.
 * Each result becomes a log line, the `disco_trainer_knn_accuracy_ratio` gauge and a line of
 * `knn.jsonl` in the run directory (epoch, step, top-1, top-5). A failing kNN is logged and the
 * run goes on: it is a signal, not part of training.
 */
import { appendFileSync } from 'node:fs';
import { OnlineKnn } from '@disco/eval';
import type { PlanPosition } from './checkpoint/checkpoint_file.ts';
import type { TrainEngine } from './engine/train_engine.ts';
import type { TrainerMetrics } from './metrics.ts';
import type { Progress } from './progress.ts';
import type { Log } from '@disco/metrics';

export interface KnnLine {
  epoch: number;
  globalStep: number;
  top1: number;
  top5: number;
  k: number;
  bank: number;
  queries: number;
  seconds: number;
  time: number;
}

export class KnnLog {
  constructor(
    private readonly engine: TrainEngine,
    private readonly path: string,
    private readonly every: number,
    private readonly epochs: number,
    private readonly metrics: TrainerMetrics,
    private readonly log: Log,
    private readonly progress?: Progress,
  ) {}

  due(epochsDone: number): boolean {
    return OnlineKnn.due(epochsDone, this.every, this.epochs);
  }

  async evaluate(position: PlanPosition): Promise<KnnLine | undefined> {
    try {
      const { result, memory } = await this.engine.knn();
      this.metrics.engineTensorBytes.set(memory.numBytes);
      if (!result) return undefined;
      const line: KnnLine = {
        epoch: position.epoch,
        globalStep: position.globalStep,
        top1: result.top1,
        top5: result.top5,
        k: result.k,
        bank: result.n_train,
        queries: result.n_test,
        seconds: result.seconds,
        time: Date.now(),
      };
      appendFileSync(this.path, JSON.stringify(line) + '\n');
      this.metrics.knnAccuracy.set({ top: '1' }, result.top1);
      this.metrics.knnAccuracy.set({ top: '5' }, result.top5);
      if (this.progress) this.progress.knn = { top1: result.top1, top5: result.top5, epoch: position.epoch };
      this.log(
        `knn after epoch ${position.epoch}: top-1 ${(100 * result.top1).toFixed(2)}%, top-5 ${(100 * result.top5).toFixed(2)}% ` +
          `(k=${result.k}, ${result.n_train} bank / ${result.n_test} queries, ${result.seconds.toFixed(1)} s)`,
      );
      return line;
    } catch (err) {
      this.log(`knn after epoch ${position.epoch} failed (training goes on): ${(err as Error).message}`, { level: 'warn', err });
      return undefined;
    }
  }
}
