/**
 * The two sizes of the reproduction. Training settings live in `test/repro/<budget>.json` (a
 * `disco train --config` file, identical for every mode); only `algo.mode` and, in the ablation,
 * `algo.headHidden` change from run to run. Evaluation settings are here.
 */

/** One training run of the comparison. */
export interface RunSpec {
  /** Name in results.json and the run folder `runs/repro/<budget>/<name>`. */
  name: string;
  mode: 'mocov2' | 'disco' | 'mse-only' | 'seed';
  /** Set only in the ablation; otherwise the config file's value. */
  headHidden?: number;
  /** Training seed (student init, plan, augmentation) when not the config file's. */
  seed?: number;
  /** The phase that trains it (see PHASES in run.ts). */
  phase: 'main' | 'baselines' | 'ablation' | 'seeds';
}

export interface Budget {
  name: 'small' | 'full' | 'paper';
  /** `disco train --config` file (relative to the repository root). */
  config: string;
  /** Labelled images for the kNN bank and the linear probe: the first N of Fashion-MNIST `train`. */
  evalTrainImages: number;
  /** Test images: the first N of Fashion-MNIST `t10k` (10,000 = all). */
  evalTestImages: number;
  /** Side the evaluation resizes images to (the students' training size). */
  evalSize: number;
  linearEpochs: number;
  /** The student head width the main runs use (the config file's `algo.headHidden`). */
  headHidden: number;
  runs: RunSpec[];
}

/** Debian's dataset-fashion-mnist: 60,000 train / 10,000 test images, IDX. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function runsFor(headHidden: number, ablation: readonly number[], extraSeeds: readonly number[]): RunSpec[] {
  return [
    { name: 'mocov2', mode: 'mocov2', phase: 'main' },
    { name: 'disco', mode: 'disco', phase: 'main' },
    { name: 'mse-only', mode: 'mse-only', phase: 'baselines' },
    { name: 'seed', mode: 'seed', phase: 'baselines' },
    // The main disco run is the ablation's point at the config's head width.
    ...ablation.filter((h) => h !== headHidden).map((h): RunSpec => ({ name: `disco-h${h}`, mode: 'disco', headHidden: h, phase: 'ablation' })),
    // More training seeds of the main pair: how far apart two runs of the same mode land, and
    // the paired (same seed: same initial weights, plan and augmentation) DisCo − MoCo-v2 difference.
    ...extraSeeds.flatMap((seed): RunSpec[] => [
      { name: `mocov2-s${seed}`, mode: 'mocov2', seed, phase: 'seeds' },
      { name: `disco-s${seed}`, mode: 'disco', seed, phase: 'seeds' },
    ]),
  ];
}

export const BUDGETS: Readonly<Record<Budget['name'], Budget>> = {
  small: {
    name: 'small',
    config: 'test/repro/small.json',
    evalTrainImages: 5000,
    evalTestImages: 10000,
    evalSize: 24,
    linearEpochs: 30,
    headHidden: 512,
    runs: runsFor(512, [128, 512, 2048], [1, 2, 3, 4]),
  },
  /**
   * The reference's hyper-parameters on all of Fashion-MNIST (60,000 images, 32 px): lr 0.03 per
   * 256 images, m 0.999, T 0.2, head 2,048, λ 32 on batchmean, BatchNorm over 32 images as the
   * reference's per-GPU batches (studentBnBatch, ghost batches), MoCo-v2's blur σ scaled to the
   * view; the teacher is the MoCo-v2 ResNet-18 ×0.375 disco trained (services/cli/assets/teacher).
   * Batch 64 for 5 epochs = 4,685 steps per run. Three paired seeds of MoCo-v2 and DisCo; one
   * seed each of mse-only, SEED and DisCo with head 128.
   */
  paper: {
    name: 'paper',
    config: 'test/repro/paper.json',
    evalTrainImages: 60000,
    evalTestImages: 10000,
    evalSize: 32,
    linearEpochs: 100,
    headHidden: 2048,
    runs: [
      { name: 'mocov2', mode: 'mocov2', phase: 'main' },
      { name: 'disco', mode: 'disco', phase: 'main' },
      ...[1, 2].flatMap((seed): RunSpec[] => [
        { name: `mocov2-s${seed}`, mode: 'mocov2', seed, phase: 'seeds' },
        { name: `disco-s${seed}`, mode: 'disco', seed, phase: 'seeds' },
      ]),
      { name: 'mse-only', mode: 'mse-only', phase: 'baselines' },
      { name: 'seed', mode: 'seed', phase: 'baselines' },
      { name: 'disco-h128', mode: 'disco', headHidden: 128, phase: 'ablation' },
    ],
  },
  full: {
    name: 'full',
    config: 'test/repro/full.json',
    evalTrainImages: 10000,
    evalTestImages: 10000,
    evalSize: 24,
    linearEpochs: 100,
    headHidden: 2048,
    runs: runsFor(2048, [128, 512, 2048], [1]),
  },
};
