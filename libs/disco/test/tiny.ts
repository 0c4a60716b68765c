/** Tiny models and seeded batches for the algorithm tests (no tfjs random ops: same on every backend). */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Encoder, InitRng, Module, ProjectionHead, ResNet, normal, type ForwardOptions } from '@disco/models';
import { DiscoTrainer, resolveAlgoConfig, type AlgoConfig, type StepInput } from '@disco/disco';

export interface TinySpec {
  baseWidth: number;
  size: number;
  seed: number;
}

export const TINY: TinySpec = { baseWidth: 2, size: 8, seed: 7 };

/** Tiny MoCo/DisCo config: batch 8, K 32, ghost batches of 4, head 16 → 8. */
export function tinyConfig(overrides: Partial<AlgoConfig> = {}): AlgoConfig {
  return resolveAlgoConfig({ K: 32, batchSize: 8, ghostBatchSize: 4, embedDim: 8, headHidden: 16, baseLr: 3.2, epochs: 10, ...overrides });
}

export function tinyEncoder(config: AlgoConfig, spec: TinySpec = TINY): Encoder {
  const backbone = new ResNet({ depth: 18, stem: 'cifar', baseWidth: spec.baseWidth, seed: spec.seed });
  const head = new ProjectionHead({ inFeatures: backbone.featureDim, hidden: config.headHidden, outFeatures: config.embedDim, seed: spec.seed + 1 });
  return new Encoder(backbone, head);
}

export function tinyTrainer(config: AlgoConfig, spec: TinySpec = TINY): DiscoTrainer {
  return new DiscoTrainer(config, { buildEncoder: () => tinyEncoder(config, spec), teacherDim: config.mode === 'mocov2' ? undefined : config.embedDim });
}

/**
 * A two-conv backbone (conv-BN-ReLU ×2, stride 2, global mean) from the shipped layers, for the
 * long runs (100 and 200 steps): ResNet-18 costs ~200 ms a step on the cpu backend even at
 * width 2, this one ~30 ms. The step code under test is the same.
 */
export class TwoConvNet extends Module {
  readonly featureDim = 16;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;

  constructor(seed: number) {
    super();
    const rng = new InitRng(seed);
    this.conv1 = this.child('conv1', new Conv2d({ inChannels: 3, outChannels: 8, kernel: 3, stride: 2 }, rng));
    this.bn1 = this.child('bn1', new BatchNorm2d(8));
    this.conv2 = this.child('conv2', new Conv2d({ inChannels: 8, outChannels: 16, kernel: 3, stride: 2 }, rng));
    this.bn2 = this.child('bn2', new BatchNorm2d(16));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.relu(this.bn1.forward(this.conv1.forward(x), opts)); // [N, H/2, W/2, 8]
      const y = tf.relu(this.bn2.forward(this.conv2.forward(h), opts)); // [N, H/4, W/4, 16]
      return tf.mean(y, [1, 2]); // [N, 16]
    });
  }
}

export function twoConvTrainer(config: AlgoConfig, seed = 3): DiscoTrainer {
  const buildEncoder = (): Encoder => new Encoder(new TwoConvNet(seed), new ProjectionHead({ inFeatures: 16, hidden: config.headHidden, outFeatures: config.embedDim, seed: seed + 1 }));
  return new DiscoTrainer(config, { buildEncoder, teacherDim: config.mode === 'mocov2' ? undefined : config.embedDim });
}

/** Unit rows [n, d] from a seeded normal. */
export function unitRows(rng: InitRng, n: number, d: number): tf.Tensor2D {
  return tf.tidy(() => {
    const g = normal(rng, [n, d], 1); // [n, d]
    return tf.div(g, tf.norm(g, 2, 1, true)) as tf.Tensor2D; // [n, d]
  });
}

/** A seeded random batch (views and teacher embeddings); dispose with `disposeInput`. */
export function randomInput(config: AlgoConfig, seed: number, step = 0, size = TINY.size): StepInput {
  const rng = new InitRng(seed);
  const n = config.batchSize;
  return {
    batchId: `test/0/${step}`,
    epoch: 0,
    x1: normal(rng, [n, size, size, 3], 1),
    x2: normal(rng, [n, size, size, 3], 1),
    t1: unitRows(rng, n, config.embedDim),
    t2: unitRows(rng, n, config.embedDim),
  };
}

export function disposeInput(input: StepInput): void {
  tf.dispose([input.x1, input.x2, ...(input.t1 ? [input.t1] : []), ...(input.t2 ? [input.t2] : [])]);
}
