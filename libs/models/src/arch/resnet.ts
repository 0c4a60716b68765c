/**
 * torchvision's ResNet v1.5 (stride on the 3×3 conv of a bottleneck) as a feature backbone:
 * ImageNet stem (7×7/2 conv + 3×3/2 max-pool) or CIFAR stem (3×3/1 conv, no pool), global
 * average pool, no classifier. Parameter names match torchvision's state dict.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type ForwardOptions } from '../nn/module.ts';
import { BatchNorm2d, Conv2d, Sequential } from '../nn/layers.ts';
import { InitRng } from '../nn/rng.ts';

export type ResNetDepth = 18 | 34 | 50 | 101 | 152;
export type Stem = 'imagenet' | 'cifar';

export interface ResNetConfig {
  depth: ResNetDepth;
  /** `imagenet` for 224-px inputs; `cifar` (3×3 stem, no max-pool) for inputs of 64 px or less. */
  stem: Stem;
  /** Channels of the stem and the first stage (torchvision: 64); later stages double it. */
  baseWidth: number;
  /** Seed of the weight initialiser. */
  seed: number;
}

const BLOCKS: Record<ResNetDepth, { kind: 'basic' | 'bottleneck'; counts: [number, number, number, number] }> = {
  18: { kind: 'basic', counts: [2, 2, 2, 2] },
  34: { kind: 'basic', counts: [3, 4, 6, 3] },
  50: { kind: 'bottleneck', counts: [3, 4, 6, 3] },
  101: { kind: 'bottleneck', counts: [3, 4, 23, 3] },
  152: { kind: 'bottleneck', counts: [3, 8, 36, 3] },
};

class BasicBlock extends Module {
  static readonly expansion = 1;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly downsample?: Sequential;

  constructor(cin: number, width: number, stride: number, rng: InitRng) {
    super();
    this.conv1 = this.child('conv1', new Conv2d({ inChannels: cin, outChannels: width, kernel: 3, stride }, rng));
    this.bn1 = this.child('bn1', new BatchNorm2d(width));
    this.conv2 = this.child('conv2', new Conv2d({ inChannels: width, outChannels: width, kernel: 3 }, rng));
    this.bn2 = this.child('bn2', new BatchNorm2d(width));
    if (stride !== 1 || cin !== width) this.downsample = this.child('downsample', shortcut(cin, width, stride, rng));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.relu(this.bn1.forward(this.conv1.forward(x), opts)); // [N, H', W', width]
      const y = this.bn2.forward(this.conv2.forward(h), opts); // [N, H', W', width]
      const identity = this.downsample ? this.downsample.forward(x, opts) : x;
      return tf.relu(tf.add(y, identity));
    });
  }
}

class Bottleneck extends Module {
  static readonly expansion = 4;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;
  private readonly downsample?: Sequential;

  constructor(cin: number, width: number, stride: number, rng: InitRng) {
    super();
    const cout = width * Bottleneck.expansion;
    this.conv1 = this.child('conv1', new Conv2d({ inChannels: cin, outChannels: width, kernel: 1 }, rng));
    this.bn1 = this.child('bn1', new BatchNorm2d(width));
    this.conv2 = this.child('conv2', new Conv2d({ inChannels: width, outChannels: width, kernel: 3, stride }, rng));
    this.bn2 = this.child('bn2', new BatchNorm2d(width));
    this.conv3 = this.child('conv3', new Conv2d({ inChannels: width, outChannels: cout, kernel: 1 }, rng));
    this.bn3 = this.child('bn3', new BatchNorm2d(cout));
    if (stride !== 1 || cin !== cout) this.downsample = this.child('downsample', shortcut(cin, cout, stride, rng));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.forward(this.conv1.forward(x), opts)); // [N, H, W, width]
      h = tf.relu(this.bn2.forward(this.conv2.forward(h), opts)); // [N, H', W', width]
      const y = this.bn3.forward(this.conv3.forward(h), opts); // [N, H', W', 4·width]
      const identity = this.downsample ? this.downsample.forward(x, opts) : x;
      return tf.relu(tf.add(y, identity));
    });
  }
}

function shortcut(cin: number, cout: number, stride: number, rng: InitRng): Sequential {
  return new Sequential([
    new Conv2d({ inChannels: cin, outChannels: cout, kernel: 1, stride, padding: 0 }, rng),
    new BatchNorm2d(cout),
  ]);
}

/** A ResNet feature extractor: [N, H, W, 3] → [N, featureDim]. */
export class ResNet extends Module {
  readonly featureDim: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly stages: Sequential[] = [];

  constructor(readonly config: ResNetConfig) {
    super();
    const { depth, stem, baseWidth } = config;
    if (!BLOCKS[depth]) throw new RangeError(`ResNet: depth ${depth} is not one of 18, 34, 50, 101, 152`);
    if (!Number.isInteger(baseWidth) || baseWidth < 1) throw new RangeError(`ResNet: baseWidth ${baseWidth} must be a positive integer`);
    const rng = new InitRng(config.seed);
    const { kind, counts } = BLOCKS[depth];
    const Block = kind === 'basic' ? BasicBlock : Bottleneck;
    this.conv1 = this.child(
      'conv1',
      stem === 'imagenet'
        ? new Conv2d({ inChannels: 3, outChannels: baseWidth, kernel: 7, stride: 2, padding: 3 }, rng)
        : new Conv2d({ inChannels: 3, outChannels: baseWidth, kernel: 3, stride: 1, padding: 1 }, rng),
    );
    this.bn1 = this.child('bn1', new BatchNorm2d(baseWidth));
    let cin = baseWidth;
    counts.forEach((count, stage) => {
      const width = baseWidth * 2 ** stage;
      const blocks: Module[] = [];
      for (let b = 0; b < count; b++) {
        blocks.push(new Block(cin, width, b === 0 && stage > 0 ? 2 : 1, rng));
        cin = width * Block.expansion;
      }
      this.stages.push(this.child(`layer${stage + 1}`, new Sequential(blocks)));
    });
    this.featureDim = cin;
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.forward(this.conv1.forward(x), opts)); // [N, H/2 or H, ., C]
      if (this.config.stem === 'imagenet') h = tf.maxPool(h as tf.Tensor4D, 3, 2, 1); // [N, H/4, W/4, C]
      for (const stage of this.stages) h = stage.forward(h, opts); // [N, H/32, W/32, featureDim]
      return tf.mean(h, [1, 2]); // [N, featureDim]
    });
  }
}
