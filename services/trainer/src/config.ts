/**
 * The trainer's configuration: disco's shared sections (libs/config) plus `trainer` (the run:
 * plan, student, checkpoints) and `algo` (MoCo-v2 / DisCo hyperparameters under the papers'
 * symbols, lower-cased so flags read `--algo.k 65536`, env `DISCO_ALGO_K`). Defaults are the
 * paper's; `disco train` lays its small demo preset under file, env and flags. The whole
 * config is saved inside every checkpoint, so a resumed run or an evaluation knows exactly how
 * the weights were trained.
 */
import { z } from 'zod';
import { discoConfigSchema } from '@disco/config';
import { MOCO_V2_RECIPE, type AugmentRecipe } from '@disco/augment';
import { ALGO_DEFAULTS, LOSS_MODES, LR_SCHEDULES, MSE_REDUCTIONS, SHUFFLE_BN_MODES, resolveAlgoConfig, type AlgoConfig } from '@disco/disco';

const port = (def: number, what: string) => z.number().int().min(0).max(65535).default(def).describe(`${what} (0 = any free port)`);

export const trainerSection = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('interface to listen on'),
  port: port(50051, 'gRPC port of the Coordinator service'),
  metricsPort: port(9101, '/metrics HTTP port'),
  run: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ - (1–128 characters)')
    .default('disco')
    .describe('run name: part of every batch id and the default run directory runs/<run>'),
  runDir: z.string().default('').describe('where checkpoints, the record and the export go (default runs/<run>)'),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(0).describe('run seed: epoch plan, augmentation, student weights, queue, Shuffle-BN'),
  epochs: z.number().int().min(1).default(ALGO_DEFAULTS.epochs).describe('epochs to train (and of the cosine schedule)'),
  batchSize: z.number().int().min(2).default(ALGO_DEFAULTS.batchSize).describe('images per step (N); the last partial batch of an epoch is dropped'),
  size: z.number().int().min(8).default(224).describe('side of the augmented views (px)'),
  model: z.string().min(1).default('resnet18').describe('student backbone (model zoo name)'),
  width: z.number().positive().default(1).describe('width multiplier of the student backbone'),
  datasetSize: z.number().int().min(0).default(0).describe("images in the workers' dataset; 0 = count augment.dataset (or the bundled sample)"),
  limitImages: z.number().int().min(0).default(0).describe('train on the first N images only (0 = all): quick runs and tests'),
  checkpointEvery: z.number().int().min(0).default(1000).describe('steps between checkpoints (0 = at epoch ends only); always at epoch ends and on drain'),
  keepCheckpoints: z.number().int().min(1).default(3).describe('checkpoints kept; older ones are deleted'),
  resume: z.boolean().default(true).describe('continue from the latest valid checkpoint in the run directory'),
  exitWhenDone: z.boolean().default(true).describe('serve: exit (code 0) once the run is trained and exported'),
  dryRun: z.boolean().default(false).describe('data plane only: every batch is leased, joined, checked, handed to the engine thread and recorded, but not trained (benchmarks; the weights stay as initialised)'),
  failLingerMs: z.number().int().min(0).default(30_000).describe('serve: after a failed run, keep /metrics up this long (NOT_SERVING) so Prometheus records why, then exit 1'),
  knnEvery: z.number().int().min(0).default(1).describe('online kNN accuracy of the student every N epochs and at the end (0 = off); needs a labelled dataset'),
  knnBank: z.number().int().min(1).default(1000).describe('online kNN: labelled training images in the bank'),
  knnQueries: z.number().int().min(1).default(500).describe("online kNN: query images (the dataset's t10k split when it has one, else held-out training images)"),
  worldSize: z.number().int().min(1).max(1024).default(1).describe('data-parallel trainer replicas sharing every batch (c10d all-reduce); 1 = one trainer'),
  rank: z.number().int().min(0).default(0).describe("this replica's rank, 0…worldSize−1 (on Kubernetes: the StatefulSet pod's ordinal)"),
  rendezvous: z.string().default('127.0.0.1:29500').describe("rank 0's c10d TCPStore, host:port (rank 0 listens there; on Kubernetes pod 0 through the headless service)"),
  collectiveTimeoutMs: z.number().int().min(100).default(300_000).describe('most time a rendezvous or a collective may wait for the other replicas before the run fails (a replica is gone)'),
  checkReplicasEvery: z.number().int().min(0).default(100).describe('steps between checks that every replica holds the same weights (0 = only at checkpoints)'),
});

/** The algorithm's section: libs/disco's parameters under flag-friendly lower-case names (k, t), its defaults (ALGO_DEFAULTS). */
export const algoSection = z.strictObject({
  mode: z.enum(LOSS_MODES).default(ALGO_DEFAULTS.mode).describe('loss: mocov2 | disco | mse-only | seed'),
  k: z.number().int().min(1).default(ALGO_DEFAULTS.K).describe('K: queue size (negative keys); a multiple of batchSize'),
  m: z.number().min(0).max(1).default(ALGO_DEFAULTS.m).describe("m: momentum of the key encoder's EMA"),
  t: z.number().positive().default(ALGO_DEFAULTS.T).describe('T: InfoNCE temperature'),
  lambda: z.number().min(0).default(ALGO_DEFAULTS.lambda).describe('λ: weight of the distillation term (32 with batchmean = the reference)'),
  mseReduction: z.enum(MSE_REDUCTIONS).default(ALGO_DEFAULTS.mseReduction).describe('reduction of each view\'s squared error'),
  embedDim: z.number().int().min(1).default(ALGO_DEFAULTS.embedDim).describe('embedding size of the student head (= the teacher\'s)'),
  headHidden: z.number().int().min(1).default(ALGO_DEFAULTS.headHidden).describe("hidden width of the student head (DisCo's fix for the distilling bottleneck)"),
  ghostBatchSize: z.number().int().min(1).default(ALGO_DEFAULTS.ghostBatchSize).describe('Shuffle-BN substitute: ghost batch size of the key encoder'),
  baseLr: z.number().positive().default(ALGO_DEFAULTS.baseLr).describe('learning rate for a batch of 256 (scaled by batchSize/256)'),
  momentum: z.number().min(0).max(1).default(ALGO_DEFAULTS.momentum).describe('SGD momentum'),
  weightDecay: z.number().min(0).default(ALGO_DEFAULTS.weightDecay).describe('SGD weight decay'),
  lrSchedule: z.enum(LR_SCHEDULES).default(ALGO_DEFAULTS.lrSchedule).describe('learning-rate schedule'),
  seedTs: z.number().positive().default(ALGO_DEFAULTS.seedTs).describe('SEED student temperature (mode seed)'),
  seedTt: z.number().positive().default(ALGO_DEFAULTS.seedTt).describe('SEED teacher temperature (mode seed)'),
  shuffleBn: z.enum(SHUFFLE_BN_MODES).default(ALGO_DEFAULTS.shuffleBn).describe("key encoder's BatchNorm: ghost (shuffle and ghost batches within each replica) or ddp (MoCo's shuffle across replicas)"),
  studentBnBatch: z.number().int().min(0).default(ALGO_DEFAULTS.studentBnBatch).describe("student BatchNorm statistics over groups of this many images (0 = each replica's whole batch)"),
});

const unitRange = (def: readonly [number, number], what: string) =>
  z
    .array(z.number().positive().max(1))
    .length(2)
    .refine(([a, b]) => a <= b, 'range must be [low, high]')
    .default([def[0], def[1]])
    .describe(what);

/**
 * The augmentation recipe of the run's views (libs/augment's AugmentRecipe; MoCo-v2's by
 * default). The trainer's plan hands it to every worker with each batch, so all workers
 * augment alike, and it is saved in checkpoints with the rest of the config.
 */
export const viewsSection = z.strictObject({
  cropScale: unitRange(MOCO_V2_RECIPE.cropScale, 'RandomResizedCrop area range, e.g. 0.2,1'),
  jitterStrength: z.number().min(0).max(5).default(MOCO_V2_RECIPE.jitterStrength).describe('ColorJitter strength s: (0.4s, 0.4s, 0.4s, 0.1s); 0 = off'),
  jitterP: z.number().min(0).max(1).default(MOCO_V2_RECIPE.jitterP).describe('probability of ColorJitter'),
  grayscaleP: z.number().min(0).max(1).default(MOCO_V2_RECIPE.grayscaleP).describe('probability of RandomGrayscale'),
  blur: z.boolean().default(MOCO_V2_RECIPE.blur).describe('Gaussian blur (p = 0.5) on or off'),
  blurSigma: z
    .array(z.number().positive().max(20))
    .length(2)
    .refine(([a, b]) => a <= b, 'range must be [low, high]')
    .default([MOCO_V2_RECIPE.blurSigma[0], MOCO_V2_RECIPE.blurSigma[1]])
    .describe('blur σ range, e.g. 0.1,2'),
  blurSigmaScale: z
    .enum(['pixels', 'image'])
    .default(MOCO_V2_RECIPE.blurSigmaScale)
    .describe("σ in output pixels (MoCo-v2 literally) or of a 224-px view scaled to trainer.size ('image')"),
  flipP: z.number().min(0).max(1).default(MOCO_V2_RECIPE.flipP).describe('probability of a horizontal flip'),
});

/** The run's augmentation recipe from its `views` section. */
export function viewsRecipe(config: Readonly<TrainerConfig>): AugmentRecipe {
  const v = config.views;
  return { ...v, cropScale: [v.cropScale[0], v.cropScale[1]], blurSigma: [v.blurSigma[0], v.blurSigma[1]] };
}

/** Every role's sections plus the trainer's: one file configures a whole deployment. */
export const trainerConfigSchema = discoConfigSchema.extend({
  trainer: trainerSection.prefault({}),
  algo: algoSection.prefault({}),
  views: viewsSection.prefault({}),
});

export type TrainerConfig = z.output<typeof trainerConfigSchema>;
export type TrainerSection = z.output<typeof trainerSection>;

/** The algorithm's config (libs/disco) from ours; throws AlgoConfigError naming each problem. */
export function algoConfig(config: Readonly<TrainerConfig>): AlgoConfig {
  const { trainer, algo } = config;
  return resolveAlgoConfig({
    mode: algo.mode,
    K: algo.k,
    m: algo.m,
    T: algo.t,
    lambda: algo.lambda,
    mseReduction: algo.mseReduction,
    embedDim: algo.embedDim,
    headHidden: algo.headHidden,
    ghostBatchSize: algo.ghostBatchSize,
    baseLr: algo.baseLr,
    momentum: algo.momentum,
    weightDecay: algo.weightDecay,
    lrSchedule: algo.lrSchedule,
    seedTs: algo.seedTs,
    seedTt: algo.seedTt,
    shuffleBn: algo.shuffleBn,
    studentBnBatch: algo.studentBnBatch,
    worldSize: trainer.worldSize,
    batchSize: trainer.batchSize,
    epochs: trainer.epochs,
    seed: trainer.seed,
  });
}

/**
 * The parts of a config that decide the weights: a checkpoint resumes only under the same
 * values (ports, addresses, drain and checkpoint cadence may change between restarts).
 */
export function trainingIdentity(config: Readonly<TrainerConfig>): Record<string, unknown> {
  const t = config.trainer;
  return {
    run: t.run,
    seed: t.seed,
    epochs: t.epochs,
    batchSize: t.batchSize,
    size: t.size,
    model: t.model,
    width: t.width,
    limitImages: t.limitImages,
    dryRun: t.dryRun === true, // absent in checkpoints written before the flag existed
    worldSize: t.worldSize ?? 1,
    // Keys added since checkpoints began to be written take their defaults when absent.
    algo: { ...({ shuffleBn: 'ghost', studentBnBatch: 0 } as Record<string, unknown>), ...config.algo },
    // Checkpoints from before the section existed were trained with its defaults.
    views: viewsSection.parse(config.views ?? {}),
  };
}
