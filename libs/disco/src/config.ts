/**
 * The hyperparameters of MoCo-v2 / DisCo / SEED under the papers' symbols. One frozen defaults
 * object; `resolveAlgoConfig` validates a partial override against a schema and freezes it.
 * Defaults are the DisCo commands (Reproduction.md: `--lr 0.03 --batch-size 256 --moco-t 0.2
 * --mlp --cos`, 200 epochs), not the code defaults (`--moco-t 0.07` is never used).
 */
import { z } from 'zod';
import { AlgoConfigError } from './errors.ts';

/**
 * - `mocov2`: InfoNCE only, no teacher (the student encodes only the query view);
 * - `disco`: InfoNCE + λ·[MSE(t(x1), q(x1)) + MSE(t(x2), q(x2))];
 * - `mse-only`: λ·[MSE + MSE]; InfoNCE still computed (and the queue kept) but not trained on,
 *   as the reference's `--only-mse` (`0.0 * loss + mse + mse_qk`);
 * - `seed`: SEED's distillation (Fang et al., ICLR 2021) on both views, no contrastive term.
 */
export const LOSS_MODES = ['mocov2', 'disco', 'mse-only', 'seed'] as const;
export type LossMode = (typeof LOSS_MODES)[number];

/**
 * How the squared error of one view is reduced over the batch (N) and embedding (D) axes:
 * - `batchmean`: (1/N)·Σ_n Σ_d — a per-sample squared distance, averaged;
 * - `sum`: Σ_n Σ_d — PyTorch `MSELoss(reduction='sum')`, what the reference uses per GPU;
 * - `mean`: (1/(N·D))·Σ_n Σ_d — PyTorch's default `MSELoss()`.
 */
export const MSE_REDUCTIONS = ['batchmean', 'sum', 'mean'] as const;
export type MseReduction = (typeof MSE_REDUCTIONS)[number];

/**
 * `cosine-epoch`: MoCo's `adjust_learning_rate` with `--cos`, constant within an epoch
 * (lr·½(1+cos(π·⌊epoch⌋/epochs))); `cosine-step`: the same curve evaluated at the fractional
 * epoch the caller passes (epoch + i/stepsPerEpoch); `constant`: the scaled base lr.
 */
export const LR_SCHEDULES = ['cosine-epoch', 'cosine-step', 'constant'] as const;

export const SHUFFLE_BN_MODES = ['ghost', 'ddp'] as const;
export type ShuffleBnMode = (typeof SHUFFLE_BN_MODES)[number];
export type LrSchedule = (typeof LR_SCHEDULES)[number];

const schema = z
  .object({
    /** Loss mode (see LossMode). */
    mode: z.enum(LOSS_MODES),
    /** Queue size: number of negative keys; a multiple of the batch size. */
    K: z.number().int().positive(),
    /** Momentum of the key encoder's EMA. */
    m: z.number().min(0).max(1),
    /** InfoNCE softmax temperature (DisCo's `--moco-t`). */
    T: z.number().positive(),
    /** Embedding dimension of the student head (and the teacher). */
    embedDim: z.number().int().positive(),
    /** Hidden width of the student head: DisCo's fix for the distilling bottleneck. */
    headHidden: z.number().int().positive(),
    /** λ, the weight of the distillation term (32 with `batchmean` is the reference's; see `mseReduction`). */
    lambda: z.number().min(0),
    /**
     * Reduction of each view's squared error. `batchmean` with λ = 32 is the reference's
     * effective weighting. The reference (DisCo/main.py) uses
     * `criterion_mse = nn.MSELoss(reduction='sum')` on its per-GPU batch of B = 256/8 = 32 while
     * `nn.CrossEntropyLoss()` is a mean; DistributedDataParallel then averages gradients over the
     * G = 8 GPUs. For the global batch of N = G·B samples:
     *   (1/G)·Σ_g Σ_{n∈g} ‖t_n − q_n‖² = (B/N)·Σ_n ‖t_n − q_n‖² = B · batchmean,
     * while (1/G)·Σ_g CE_mean(g) = CE_mean over N. Hence λ = B = 32 on `batchmean`
     * (equivalently λ = B·D = 4096 on `mean`, or λ = 1 on `sum` when N = 32).
     */
    mseReduction: z.enum(MSE_REDUCTIONS),
    /** SEED student temperature τ_s. */
    seedTs: z.number().positive(),
    /** SEED teacher temperature τ_t (1e-4: the teacher's softmax is nearly one-hot). */
    seedTt: z.number().positive(),
    /**
     * Shuffle-BN substitute: the key encoder sees the shuffled batch in ghost batches of this
     * size (BatchNorm statistics per ghost batch), as the reference's 8 GPUs × 32 do.
     * A batch of at most this size is one ghost batch.
     */
    ghostBatchSize: z.number().int().positive(),
    /** Global batch size N (views per step, over all replicas). */
    batchSize: z.number().int().positive(),
    /**
     * Data-parallel replicas W sharing each step (the trainer's c10d group). Each trains N/W of
     * the batch; gradients are averaged, keys gathered.
     */
    worldSize: z.number().int().positive(),
    /**
     * How the key encoder's BatchNorm is kept from seeing each query's own batch: `ghost` — each
     * replica shuffles its shard and encodes it in ghost batches of `ghostBatchSize` (the
     * single-device substitute); `ddp` — MoCo's `_batch_shuffle_ddp`: the key view shuffled
     * across all replicas, each encoding a random N/W of the global batch.
     */
    shuffleBn: z.enum(SHUFFLE_BN_MODES),
    /**
     * The student's BatchNorm statistics over consecutive groups of this many images (0 = the
     * whole batch of each replica): a batch of 256 with 32 here normalises as the reference's
     * 8 GPUs × 32 do, on one device. Running statistics follow group 0 (rank 0's, as DDP
     * broadcasts them).
     */
    studentBnBatch: z.number().int().min(0),
    /** Base learning rate for a batch of 256; the lr used is baseLr·N/256. */
    baseLr: z.number().positive(),
    /** SGD momentum (PyTorch semantics, no dampening, no Nesterov). */
    momentum: z.number().min(0).max(1),
    /** L2 weight decay added to every student parameter's gradient (as torch SGD). */
    weightDecay: z.number().min(0),
    /** Epochs of the cosine schedule. */
    epochs: z.number().int().positive(),
    /** Learning-rate schedule (`cosine-epoch` is the reference's). */
    lrSchedule: z.enum(LR_SCHEDULES),
    /** Seed of the queue's initial keys and of each step's shuffle permutation. */
    seed: z.number().int().min(0),
  })
  .strict()
  .superRefine((c, ctx) => {
    const perStep = c.mode === 'seed' ? 2 * c.batchSize : c.batchSize;
    if (c.K % perStep !== 0) {
      const what = c.mode === 'seed' ? `2·batchSize=${perStep} (SEED enqueues both views)` : `batchSize=${perStep}`;
      ctx.addIssue({ code: 'custom', path: ['K'], message: `K=${c.K} must be a multiple of ${what}` });
    }
    if (c.batchSize % c.worldSize !== 0) {
      ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `batchSize=${c.batchSize} must be a multiple of worldSize=${c.worldSize} (each replica trains an equal shard)` });
      return;
    }
    const local = c.batchSize / c.worldSize;
    const ghosts = Math.min(c.ghostBatchSize, local);
    if (local % ghosts !== 0) {
      ctx.addIssue({ code: 'custom', path: ['ghostBatchSize'], message: `the batch of ${local} per replica must be a multiple of ghostBatchSize=${c.ghostBatchSize}` });
    }
    if (c.studentBnBatch > 0 && local % Math.min(c.studentBnBatch, local) !== 0) {
      ctx.addIssue({ code: 'custom', path: ['studentBnBatch'], message: `the batch of ${local} per replica must be a multiple of studentBnBatch=${c.studentBnBatch}` });
    }
  });

export type AlgoConfig = Readonly<z.infer<typeof schema>>;

/** Every default, once: the paper's and the reference's settings (the trainer's `algo` section takes its defaults from here). */
export const ALGO_DEFAULTS: AlgoConfig = Object.freeze({
  mode: 'disco',
  K: 65536,
  m: 0.999,
  T: 0.2,
  embedDim: 128,
  headHidden: 2048,
  lambda: 32,
  mseReduction: 'batchmean',
  seedTs: 0.2,
  seedTt: 1e-4,
  ghostBatchSize: 32,
  batchSize: 256,
  baseLr: 0.03,
  momentum: 0.9,
  weightDecay: 1e-4,
  epochs: 200,
  lrSchedule: 'cosine-epoch',
  seed: 0,
  worldSize: 1,
  shuffleBn: 'ghost',
  studentBnBatch: 0,
});

/** Images each replica trains per step. */
export function localBatchSize(config: Pick<AlgoConfig, 'batchSize' | 'worldSize'>): number {
  return config.batchSize / config.worldSize;
}

/** Defaults ← overrides, validated and frozen. Throws AlgoConfigError listing every problem. */
export function resolveAlgoConfig(overrides: Partial<AlgoConfig> = {}): AlgoConfig {
  const parsed = schema.safeParse({ ...ALGO_DEFAULTS, ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new AlgoConfigError(`invalid disco config: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}

/** Whether the mode needs the teacher's embeddings each step. */
export function usesTeacher(mode: LossMode): boolean {
  return mode !== 'mocov2';
}
