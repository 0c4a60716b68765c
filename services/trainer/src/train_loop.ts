/**
 * The training loop: takes joined batches from the data plane strictly in plan order, trains
 * each exactly once with libs/disco, records it, and checkpoints every `checkpointEvery` steps
 * and at each epoch end, then runs the online kNN when it is due. The step itself runs on the
 * engine thread, so gRPC and /metrics keep answering meanwhile. The next epoch's plan joins the
 * lease window as soon as an epoch starts, so workers run ahead across epoch boundaries.
 * `stop()` ends the loop between steps. A non-finite loss leaves the weights as they were
 * before that step: they are checkpointed, counted, and the run fails naming step and batch.
 */
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { DataplaneCoordinator } from '@disco/dataplane';
import type { TrainerConfig } from './config.ts';
import { planEpoch, shardSize, type PlanOptions } from './plan.ts';
import type { TrainRecord } from './record.ts';
import type { CheckpointStore } from './checkpoint/checkpoint_store.ts';
import type { CheckpointMeta, PlanPosition } from './checkpoint/checkpoint_file.ts';
import type { TrainerMetrics } from './metrics.ts';
import type { Progress } from './progress.ts';
import { checkJoinedBatch, toEngineBatch } from './batch_input.ts';
import { EngineError, type TrainEngine } from './engine/train_engine.ts';
import type { KnnLog } from './knn_log.ts';
import type { Log } from '@disco/metrics';

export interface TrainLoopDeps {
  config: Readonly<TrainerConfig>;
  coordinator: DataplaneCoordinator;
  engine: TrainEngine;
  record: TrainRecord;
  /** Online kNN results (absent when the kNN is off). */
  knn?: KnnLog;
  store: CheckpointStore;
  metrics: TrainerMetrics;
  progress: Progress;
  plan: PlanOptions;
  /** Teacher embeddings expected (every mode but mocov2). */
  withTeacher: boolean;
  log: Log;
}

export type LoopEnd = 'done' | 'stopped';

export class TrainLoop {
  private readonly abort = new AbortController();
  private stopping = false;
  private lastCheckpoint: { path: string; globalStep: number } | undefined;

  constructor(private readonly deps: TrainLoopDeps) {}

  get position(): PlanPosition {
    return this.deps.progress.position;
  }

  /** The newest checkpoint written (or resumed from). */
  get checkpoint(): { path: string; globalStep: number } | undefined {
    return this.lastCheckpoint;
  }

  set resumedFrom(path: string) {
    this.lastCheckpoint = { path, globalStep: this.position.globalStep };
  }

  /** Ends the loop after the step in progress (or at once while it waits for data). */
  stop(): void {
    this.stopping = true;
    this.abort.abort(new Error('stopping'));
  }

  async run(): Promise<LoopEnd> {
    const { config, coordinator, progress } = this.deps;
    const { epochs } = config.trainer;
    const start = this.position;
    if (start.epoch < epochs) coordinator.extend(planEpoch(this.deps.plan, start.epoch, start.step));
    for (let epoch = start.epoch; epoch < epochs; epoch++) {
      if (epoch + 1 < epochs) coordinator.extend(planEpoch(this.deps.plan, epoch + 1));
      for (let step = epoch === start.epoch ? start.step : 0; step < progress.stepsPerEpoch; step++) {
        if (this.stopping) return 'stopped';
        const t0 = performance.now();
        let batch;
        try {
          batch = await coordinator.next(this.abort.signal);
        } catch (err) {
          if (this.stopping) return 'stopped';
          throw err;
        }
        const t1 = performance.now();
        const expected = `${config.trainer.run}/${epoch}/${step}`;
        if (batch.key !== expected) throw new Error(`plan order broken: got batch ${batch.key}, expected ${expected}`);
        await this.trainOne(batch, epoch, step, (t1 - t0) / 1000, t1);
        const checkpointDue = config.trainer.checkpointEvery > 0 && this.position.globalStep % config.trainer.checkpointEvery === 0 && step + 1 < progress.stepsPerEpoch;
        await this.checkReplicas(checkpointDue || step + 1 === progress.stepsPerEpoch);
        if (checkpointDue) await this.saveCheckpoint();
        await yieldToEvents(); // let Status, leases and deliveries through between steps
      }
      progress.position = { epoch: epoch + 1, step: 0, globalStep: this.position.globalStep };
      await this.saveCheckpoint();
      if (this.deps.knn?.due(epoch + 1)) await this.deps.knn.evaluate(this.position);
    }
    return 'done';
  }

  private async trainOne(batch: Awaited<ReturnType<DataplaneCoordinator['next']>>, epoch: number, step: number, dataWait: number, t1: number): Promise<void> {
    const { config, engine, coordinator, record, metrics, progress, withTeacher } = this.deps;
    checkJoinedBatch(batch, { batchSize: shardSize(this.deps.plan), size: config.trainer.size, embedDim: withTeacher ? config.algo.embedDim : 0 });
    const lrEpoch = config.algo.lrSchedule === 'cosine-step' ? epoch + step / progress.stepsPerEpoch : epoch;
    let reply;
    try {
      reply = await engine.step(toEngineBatch(batch, withTeacher), lrEpoch);
    } catch (err) {
      if (err instanceof EngineError && err.nonFiniteLoss) {
        metrics.nonFiniteLosses.inc();
        await this.saveCheckpoint(); // the step did not update: keep everything trained so far
      }
      throw err;
    }
    const { result, memory, returned } = reply;
    coordinator.recycle(returned);
    coordinator.consumed(batch.key);
    const compute = (performance.now() - t1) / 1000;
    const globalStep = this.position.globalStep;
    const terms = result.terms as Record<string, number>;
    record.append({
      globalStep,
      epoch,
      step,
      batch: batch.key,
      loss: result.loss,
      terms,
      lr: result.lr,
      images: batch.batchSize,
      dataWaitSeconds: dataWait,
      computeSeconds: compute,
      tensors: memory.numTensors,
      ...(batch.rejected.length > 0 ? { rejected: batch.rejected.map((r) => r.index) } : {}),
      time: Date.now(),
    });
    progress.position = { epoch, step: step + 1, globalStep: globalStep + 1 };
    progress.lastTrained = batch.id;
    progress.losses = { ...terms, total: result.loss };
    progress.lr = result.lr;
    progress.stepDone({ images: batch.batchSize, dataWait, compute });

    metrics.stepSeconds.observe({ phase: 'data_wait' }, dataWait);
    metrics.stepSeconds.observe({ phase: 'compute' }, compute);
    if (result.collective) for (const [op, seconds] of Object.entries(result.collective)) metrics.collectiveSeconds.observe({ op }, seconds);
    metrics.images.inc(batch.batchSize);
    metrics.steps.inc();
    metrics.imagesPerSecond.set(progress.imagesPerSecond);
    for (const [term, value] of Object.entries(progress.losses)) metrics.loss.set({ term }, value);
    metrics.learningRate.set(result.lr);
    metrics.keyQueueFill.set(Math.min(1, ((globalStep + 1) * config.trainer.batchSize) / config.algo.k));
    metrics.epoch.set(epoch);
    metrics.globalStep.set(globalStep + 1);
    metrics.engineTensors.set(memory.numTensors);
    metrics.engineTensorBytes.set(memory.numBytes);
    metrics.sync();
  }

  /**
   * Data-parallel: every replica checks that all hold the same state, every
   * `trainer.checkReplicasEvery` steps and before each checkpoint (the same steps on every
   * replica: a collective).
   */
  private async checkReplicas(checkpointing: boolean): Promise<void> {
    const t = this.deps.config.trainer;
    if (t.worldSize < 2) return;
    if (checkpointing || (t.checkReplicasEvery > 0 && this.position.globalStep % t.checkReplicasEvery === 0)) await this.deps.engine.checkReplicas();
  }

  /**
   * Writes a checkpoint at the current position (the record is synced first); returns its path.
   * Data-parallel: rank 0 writes (every replica holds its state); the others only sync their record.
   */
  async saveCheckpoint(): Promise<string | undefined> {
    const { config, engine, record, store, metrics, progress, plan } = this.deps;
    if (config.trainer.rank > 0) {
      record.sync();
      return undefined;
    }
    if (this.lastCheckpoint?.globalStep === this.position.globalStep) return this.lastCheckpoint.path; // nothing trained since
    const t0 = performance.now();
    record.sync();
    const state = await engine.save();
    const meta: CheckpointMeta = {
      format: 'disco.checkpoint',
      version: 1,
      position: { ...this.position },
      config: config as TrainerConfig,
      datasetSize: plan.datasetSize,
      images: plan.images,
      stepsPerEpoch: progress.stepsPerEpoch,
      state: state.metadata,
      time: Date.now(),
    };
    const path = store.save({ meta, state });
    metrics.checkpointSeconds.observe((performance.now() - t0) / 1000);
    this.lastCheckpoint = { path, globalStep: this.position.globalStep };
    this.deps.log(`checkpoint ${path} (epoch ${this.position.epoch}, step ${this.position.step}, global step ${this.position.globalStep})`);
    return path;
  }
}
