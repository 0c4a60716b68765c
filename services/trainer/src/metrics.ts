/**
 * The trainer's metrics, all defined here (`disco_trainer_*`, base units: seconds, bytes,
 * ratios), so the dashboard and the alerts have one file to agree with. The series that say
 * whether a run is healthy: step time split into data wait and compute, images/s, each loss
 * term, lr, queue fill, re-leased batches, duplicates dropped.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Parts of a step: waiting for the joined batch, then training on it. */
export type StepPhase = 'data_wait' | 'compute';
/** Loss terms as libs/disco names them, plus the differentiated total. */
export type LossTermLabel = 'contrastive' | 'distill1' | 'distill2' | 'seed' | 'total';
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'stale' | 'invalid';
export type WindowState = 'pending' | 'leased' | 'delivered';

/** Live numbers the metrics read at scrape time. */
export interface TrainerGaugesSource {
  deliveries(): Record<DeliveryOutcome, number>;
  released(): number;
  window(): Record<WindowState, number>;
  workers(): number;
  /** The run's state (STARTING, TRAINING, STOPPING, DONE, FAILED). */
  state(): string;
}

export const RUN_STATES = ['STARTING', 'TRAINING', 'STOPPING', 'DONE', 'FAILED'] as const;

export interface TrainerMetrics {
  stepSeconds: Histogram<'phase'>;
  collectiveSeconds: Histogram<'op'>;
  checkpointSeconds: Histogram;
  images: Counter;
  steps: Counter;
  imagesPerSecond: Gauge;
  loss: Gauge<'term'>;
  learningRate: Gauge;
  keyQueueFill: Gauge;
  epoch: Gauge;
  globalStep: Gauge;
  /** Online kNN accuracy of the student, top 1 and top 5. */
  knnAccuracy: Gauge<'top'>;
  /** Steps refused because a loss term was NaN or infinite (the run then fails, checkpointed). */
  nonFiniteLosses: Counter;
  /** The engine thread's live tensors and their bytes (tf.memory()) after the last step. */
  engineTensors: Gauge;
  engineTensorBytes: Gauge;
  /** Reads the data plane's counters into the metrics (also done at every scrape). */
  sync(): void;
}

export function createTrainerMetrics(registry: Registry, source: TrainerGaugesSource): TrainerMetrics {
  const registers = [registry];
  // Registered first: its collect refreshes the data-plane series below before they are read at a scrape.
  new Gauge({ name: 'disco_trainer_up', help: 'The trainer process is up (1).', registers, collect: () => sync() }).set(1);
  const deliveries = new Counter({
    name: 'disco_trainer_deliveries_total',
    help: 'Deliver calls by outcome: accepted, duplicate (dropped: the batch was already delivered or trained), stale (lease unknown), invalid.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const duplicates = new Counter({ name: 'disco_trainer_duplicates_dropped_total', help: 'Deliveries of a batch already delivered or trained, dropped.', registers });
  const released = new Counter({ name: 'disco_trainer_batches_released_total', help: 'Leases that expired or whose worker left; the batch was leased again.', registers });
  const window = new Gauge({ name: 'disco_trainer_window_batches', help: 'Batches of the plan in the lease window, by state.', labelNames: ['state'] as const, registers });
  const workers = new Gauge({ name: 'disco_trainer_workers', help: 'Augment workers holding a lease stream.', registers });
  new Gauge({
    name: 'disco_trainer_run_state',
    help: 'The run\'s state: 1 for the current one of STARTING, TRAINING, STOPPING, DONE (trained and exported), FAILED.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const now = source.state();
      for (const state of RUN_STATES) this.set({ state }, state === now ? 1 : 0);
    },
  });
  const seen = { accepted: 0, duplicate: 0, stale: 0, invalid: 0, released: 0 };
  const sync = () => {
    const d = source.deliveries();
    for (const outcome of ['accepted', 'duplicate', 'stale', 'invalid'] as const) {
      if (d[outcome] > seen[outcome]) deliveries.inc({ outcome }, d[outcome] - seen[outcome]);
      if (outcome === 'duplicate' && d.duplicate > seen.duplicate) duplicates.inc(d.duplicate - seen.duplicate);
      seen[outcome] = d[outcome];
    }
    const r = source.released();
    if (r > seen.released) released.inc(r - seen.released);
    seen.released = r;
    const w = source.window();
    for (const state of ['pending', 'leased', 'delivered'] as const) window.set({ state }, w[state]);
    workers.set(source.workers());
  };

  return {
    stepSeconds: new Histogram({
      name: 'disco_trainer_step_seconds',
      help: 'Time per train step by phase: data_wait (waiting for the joined batch) and compute (the step itself).',
      labelNames: ['phase'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    collectiveSeconds: collectiveHistogram(registers),
    checkpointSeconds: new Histogram({
      name: 'disco_trainer_checkpoint_seconds',
      help: 'Time to write one checkpoint.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    images: new Counter({ name: 'disco_trainer_images_total', help: 'Images (view pairs) trained on.', registers }),
    steps: new Counter({ name: 'disco_trainer_steps_total', help: 'Train steps taken by this process.', registers }),
    imagesPerSecond: new Gauge({ name: 'disco_trainer_images_per_second', help: 'Images trained per second over the last steps (data wait included).', registers }),
    loss: new Gauge({ name: 'disco_trainer_loss', help: "Last step's loss terms (total = the differentiated loss).", labelNames: ['term'] as const, registers }),
    learningRate: new Gauge({ name: 'disco_trainer_learning_rate', help: "Last step's learning rate.", registers }),
    keyQueueFill: new Gauge({ name: 'disco_trainer_key_queue_fill_ratio', help: 'Fraction of the MoCo queue holding keys of real batches (1 once K keys were enqueued).', registers }),
    epoch: new Gauge({ name: 'disco_trainer_epoch', help: 'Epoch being trained (0-based).', registers }),
    globalStep: new Gauge({ name: 'disco_trainer_global_step', help: 'Steps trained since the run began.', registers }),
    knnAccuracy: new Gauge({
      name: 'disco_trainer_knn_accuracy_ratio',
      help: "Online kNN accuracy of the student's backbone on a fixed labelled bank and query set (trainer.knn-*), by top (1 or 5).",
      labelNames: ['top'] as const,
      registers,
    }),
    nonFiniteLosses: new Counter({ name: 'disco_trainer_nonfinite_loss_total', help: 'Steps refused because a loss term was NaN or infinite; the run stops with a checkpoint of the weights before that step.', registers }),
    engineTensors: new Gauge({ name: 'disco_trainer_tensors', help: "Live tensors in the trainer's engine (tf.memory().numTensors) after the last step.", registers }),
    engineTensorBytes: new Gauge({ name: 'disco_trainer_tensor_bytes', help: "Bytes held by live tensors in the trainer's engine (tf.memory().numBytes).", registers }),
    sync,
  };
}

/** Per-step collective time of data-parallel replicas; every op's series exists from the start (0 for a single trainer). */
function collectiveHistogram(registers: Registry[]): Histogram<'op'> {
  const histogram = new Histogram({
    name: 'disco_trainer_collective_seconds',
    help: 'Data-parallel replicas: per step, time waiting for the slowest replica (wait), averaging gradients over c10d (allreduce), and gathering keys, losses and BatchNorm statistics (gather).',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  for (const op of ['wait', 'allreduce', 'gather']) histogram.zero({ op });
  return histogram;
}
