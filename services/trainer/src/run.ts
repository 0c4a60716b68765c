/**
 * One training run, assembled: the run directory, the plan, the engine thread (tfjs + the
 * algorithm of libs/disco + the online kNN), resume from the latest checkpoint, the data-plane coordinator, the loop, and the end of the run
 * (export + summary). No gRPC server here: main.ts serves `coordinator.handlers` and the
 * Status/Stop handlers on top of this.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataplaneCoordinator, wireLimitsFor, type BatchKeyed } from '@disco/dataplane';
import { usesTeacher } from '@disco/disco';
import { writeFileAtomic } from '@disco/models';
import { detectDataset, openDataset, openSampleDataset } from '@disco/augment';
import { trainingIdentity, viewsRecipe, type TrainerConfig } from './config.ts';
import { checkPlan, shardSize, stepsPerEpoch, type PlanOptions } from './plan.ts';
import { TrainRecord, type RecordLine } from './record.ts';
import { CheckpointStore } from './checkpoint/checkpoint_store.ts';
import { resume } from './resume.ts';
import { Progress } from './progress.ts';
import { TrainLoop } from './train_loop.ts';
import type { TrainerMetrics } from './metrics.ts';
import { writeSummary, type ExportPaths, type RunSummary } from './final_export.ts';
import { TrainEngine } from './engine/train_engine.ts';
import type { EngineInfo } from './engine/protocol.ts';
import type { PlanPosition } from './checkpoint/checkpoint_file.ts';
import { KnnLog } from './knn_log.ts';
import type { Log } from '@disco/metrics';

/** How the run ended; `export` is rank 0's (data-parallel replicas hold the same student). */
export type RunOutcome = { state: 'DONE'; export?: ExportPaths } | { state: 'STOPPED' } | { state: 'FAILED'; error: Error };

export interface StopResult {
  lastTrained?: BatchKeyed;
  checkpoint?: string;
}

/** The run directory: `trainer.runDir`, or `runs/<run>` under the working directory. */
export function runDirOf(config: Readonly<TrainerConfig>): string {
  const dir = resolve(config.trainer.runDir || join('runs', config.trainer.run));
  // Data-parallel replicas other than rank 0 keep their own record and logs beside rank 0's run.
  return config.trainer.rank > 0 ? join(dir, `rank-${config.trainer.rank}`) : dir;
}

/** The dataset's length; what its listing skipped (link loops, unreadable folders…) is logged. */
async function countDataset(path: string, log: Log): Promise<number> {
  const dataset = path === '' ? await openSampleDataset('train') : await openDataset(detectDataset(path));
  if (dataset.skipped && Object.keys(dataset.skipped).length) log(`dataset: ${dataset.description}`);
  return dataset.length;
}

export class TrainingRun {
  readonly coordinator: DataplaneCoordinator;
  readonly progress: Progress;
  readonly runDir: string;
  private loop!: TrainLoop;
  private record!: TrainRecord;
  private finishedPromise: Promise<RunOutcome> | undefined;
  private stopping: Promise<StopResult> | undefined;
  private readonly startedAt = Date.now();

  private constructor(
    readonly config: Readonly<TrainerConfig>,
    readonly plan: PlanOptions,
    readonly engine: TrainEngine,
    readonly engineInfo: EngineInfo,
    private readonly log: Log,
  ) {
    const { trainer: t, dataplane, algo } = config;
    this.runDir = runDirOf(config);
    this.progress = new Progress(t.epochs, stepsPerEpoch(plan));
    const perBatch = t.batchSize * (2 * t.size * t.size * 3 + 2 * algo.embedDim * 4);
    this.coordinator = new DataplaneCoordinator({
      window: dataplane.window,
      leaseMs: dataplane.leaseMs,
      limits: wireLimitsFor(dataplane.maxMessageBytes, { maxBatchSize: dataplane.maxBatchSize, maxSide: dataplane.maxSide, maxEmbeddingDim: dataplane.maxEmbeddingDim }),
      maxPendingBytes: perBatch * (2 * dataplane.window + 2),
      datasetSize: plan.datasetSize,
      embeddings: usesTeacher(algo.mode),
      embeddingDim: usesTeacher(algo.mode) ? algo.embedDim : undefined,
      log,
    });
  }

  /** Builds the run and starts its engine thread; nothing is restored or trained until `run(metrics)`. */
  static async create(config: Readonly<TrainerConfig>, log: Log): Promise<TrainingRun> {
    const t = config.trainer;
    const datasetSize = t.datasetSize || (await countDataset(config.augment.dataset, log));
    const plan: PlanOptions = {
      run: t.run, seed: t.seed, batchSize: t.batchSize, size: t.size, images: t.limitImages || datasetSize, datasetSize, views: viewsRecipe(config),
      shard: { rank: t.rank, worldSize: t.worldSize },
    };
    checkPlan(plan);
    const { engine, info } = await TrainEngine.start(config, { ...trainingIdentity(config), datasetSize, images: plan.images });
    log(`engine: backend ${info.backend} on its own thread; ` + (info.knnImages ? `online kNN every ${t.knnEvery} epoch(s): ${info.knnImages.bank} bank / ${info.knnImages.queries} query images (${info.knnImages.source})` : `online kNN off: ${info.knnDisabled}`));
    return new TrainingRun(config, plan, engine, info, log);
  }

  /** Resumes (or starts) and trains to the end; resolves with how the run ended. */
  run(metrics: TrainerMetrics): Promise<RunOutcome> {
    this.finishedPromise ??= this.execute(metrics);
    return this.finishedPromise;
  }

  private async execute(metrics: TrainerMetrics): Promise<RunOutcome> {
    const { config, progress } = this;
    try {
      mkdirSync(this.runDir, { recursive: true });
      writeFileAtomic(join(this.runDir, 'config.json'), [Buffer.from(JSON.stringify(config, null, 2) + '\n')]);
      const store = new CheckpointStore(join(this.runDir, 'checkpoints'), { keep: config.trainer.keepCheckpoints, log: this.log });
      const point = await this.resumeGroup(store);
      progress.position = point.position;
      // A replica's record may end one step short of rank 0's checkpoint (killed between the step and its line).
      this.record = new TrainRecord(join(this.runDir, 'record.jsonl'), point.position.globalStep, config.trainer.rank > 0 ? { recover: (g) => this.unrecordedLine(g) } : {});
      this.loop = new TrainLoop({
        config,
        coordinator: this.coordinator,
        engine: this.engine,
        record: this.record,
        knn: this.engineInfo.knnImages ? new KnnLog(this.engine, join(this.runDir, 'knn.jsonl'), config.trainer.knnEvery, config.trainer.epochs, metrics, this.log, progress) : undefined,
        store,
        metrics,
        progress,
        plan: this.plan,
        withTeacher: usesTeacher(config.algo.mode),
        log: this.log,
      });
      if (point.path) this.loop.resumedFrom = point.path;
      if (this.stopping) return { state: 'STOPPED' };
      progress.state = 'TRAINING';
      const end = await this.loop.run();
      if (end === 'stopped') return { state: 'STOPPED' };
      if (config.trainer.rank > 0) {
        progress.state = 'DONE';
        this.log(`done: ${progress.position.globalStep} steps (rank 0 exports the student)`);
        this.summarise({});
        return { state: 'DONE' };
      }
      const { paths } = await this.engine.exportStudent(this.runDir);
      progress.state = 'DONE';
      this.log(`done: ${progress.position.globalStep} steps; student exported to ${paths.safetensors} and ${paths.tfjs}`);
      this.summarise({ export: paths });
      return { state: 'DONE', export: paths };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      progress.state = 'FAILED';
      progress.message = error.message;
      this.log(`FAILED: ${error.message}`, { level: 'error', err: error });
      this.summarise({ error: error.message });
      return { state: 'FAILED', error };
    }
  }

  /** The record line of a step this replica trained but did not record (see TrainRecord). */
  private unrecordedLine(globalStep: number): RecordLine {
    const spe = this.progress.stepsPerEpoch;
    const [epoch, step] = [Math.floor(globalStep / spe), globalStep % spe];
    const n = shardSize(this.plan);
    return { globalStep, epoch, step, batch: `${this.config.trainer.run}/${epoch}/${step}`, loss: NaN, terms: {}, lr: NaN, images: n, dataWaitSeconds: NaN, computeSeconds: NaN, time: Date.now() };
  }

  /**
   * Where training starts. One trainer: its newest checkpoint (or the beginning). Data-parallel:
   * rank 0 resumes from its checkpoints, then every replica takes rank 0's state and position
   * (c10d broadcast), so no shared filesystem is needed and the group restarts as one.
   */
  private async resumeGroup(store: CheckpointStore): Promise<{ position: PlanPosition; path?: string }> {
    const t = this.config.trainer;
    const point = t.rank === 0 ? await resume(this.config, store, this.engine, this.plan, this.log) : { position: { epoch: 0, step: 0, globalStep: 0 } };
    if (t.worldSize < 2) return point;
    const { step } = await this.engine.syncReplicas();
    const spe = this.progress.stepsPerEpoch;
    const position = { epoch: Math.floor(step / spe), step: step % spe, globalStep: step };
    this.log(`replica ${t.rank} of ${t.worldSize}: starting at global step ${step} with rank 0's state`);
    return { position, path: point.path };
  }

  /** Stops after the step in progress; checkpoints unless the run failed or `checkpoint` is false. */
  stop(options: { checkpoint: boolean; reason: string }): Promise<StopResult> {
    this.stopping ??= (async () => {
      this.log(`stopping: ${options.reason}`);
      if (this.progress.state === 'TRAINING' || this.progress.state === 'STARTING') this.progress.state = 'STOPPING';
      this.loop?.stop();
      if (this.finishedPromise) await this.finishedPromise;
      const failed = this.progress.state === 'FAILED';
      const checkpoint = options.checkpoint && !failed && this.loop ? await this.loop.saveCheckpoint() : this.loop?.checkpoint?.path;
      if (this.progress.state === 'STOPPING') this.summarise({ stopped: options.reason, lastCheckpoint: checkpoint });
      return { lastTrained: this.progress.lastTrained, checkpoint };
    })();
    return this.stopping;
  }

  private summarise(extra: Pick<RunSummary, 'export' | 'error' | 'stopped' | 'lastCheckpoint'>): void {
    const { progress, coordinator } = this;
    try {
      mkdirSync(this.runDir, { recursive: true });
      writeSummary(this.runDir, {
        run: this.config.trainer.run,
        state: progress.state,
        position: progress.position,
        epochs: progress.epochs,
        stepsPerEpoch: progress.stepsPerEpoch,
        batchSize: this.config.trainer.batchSize,
        thisProcess: {
          wallSeconds: (Date.now() - this.startedAt) / 1000,
          steps: progress.totals.steps,
          images: progress.totals.images,
          dataWaitSeconds: progress.totals.dataWait,
          computeSeconds: progress.totals.compute,
          imagesPerSecond: progress.totals.images / Math.max(1e-9, progress.totals.dataWait + progress.totals.compute),
          dataWaitFraction: progress.dataWaitFraction,
          dataWaitFractionAfterFirstStep: progress.dataWaitFractionAfterFirstStep,
        },
        deliveries: { ...coordinator.counters },
        batchesReleased: coordinator.window.stats().released,
        lastCheckpoint: this.loop?.checkpoint?.path,
        ...extra,
      });
    } catch (err) {
      this.log(`could not write summary.json: ${(err as Error).message}`, { level: 'warn', err });
    }
  }

  /** Frees the record file, the algorithm's tensors and the engine thread (after the server is down). */
  async dispose(): Promise<void> {
    this.coordinator.close();
    this.record?.close();
    await this.engine.close();
  }
}
