/** The layers our architectures are built from: Conv2d, BatchNorm2d, Linear, Sequential. */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from '@disco/tensor';
import { Module, type ForwardOptions } from './module.ts';
import { defaultUniform, kaimingNormalFanOut, normal } from './init.ts';
import { InitRng } from './rng.ts';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  /** Symmetric zero padding on each side (PyTorch `padding`); default kernel>>1. */
  padding?: number;
  /** `1` for a dense conv; `inChannels` for a depthwise conv (outChannels = inChannels × M). */
  groups?: number;
  bias?: boolean;
  /**
   * How the bias starts: `pytorch-default` U(±1/√fan_in) (a bare `nn.Conv2d`), or `zeros`
   * (torchvision's MobileNet-v3/EfficientNet init, e.g. the squeeze-excitation convs).
   */
  biasInit?: 'pytorch-default' | 'zeros';
}

/** PyTorch `nn.Conv2d` (dense or depthwise) on NHWC tensors. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  private readonly stride: number;
  private readonly pad: number;
  private readonly depthwise: boolean;

  constructor(readonly cfg: Conv2dConfig, rng: InitRng) {
    super();
    const { inChannels: cin, outChannels: cout, kernel: k } = cfg;
    const groups = cfg.groups ?? 1;
    this.stride = cfg.stride ?? 1;
    this.pad = cfg.padding ?? k >> 1;
    this.depthwise = groups !== 1;
    if (this.depthwise && (groups !== cin || cout % cin !== 0)) {
      throw new RangeError(`Conv2d: groups=${groups} must be 1 or inChannels=${cin} with outChannels a multiple of it (got ${cout})`);
    }
    // PyTorch's fan_out is weight.size(0)·k·k = cout·k·k, for grouped convs too.
    const fanOut = cout * k * k;
    if (this.depthwise) {
      this.weight = this.param('weight', kaimingNormalFanOut(rng, [k, k, cin, cout / cin], fanOut), 'depthwise-hwcm');
    } else {
      this.weight = this.param('weight', kaimingNormalFanOut(rng, [k, k, cin, cout], fanOut), 'conv-hwio');
    }
    if (cfg.bias) {
      const init = cfg.biasInit === 'zeros' ? tf.zeros([cout]) : defaultUniform(rng, [cout], (cin / groups) * k * k);
      this.bias = this.param('bias', init);
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const x4 = x as tf.Tensor4D; // [N, H, W, Cin]
      let y = this.depthwise
        ? tf.depthwiseConv2d(x4, this.weight as tf.Tensor4D, this.stride, this.pad) // [N, H', W', Cin*M]
        : tf.conv2d(x4, this.weight as tf.Tensor4D, this.stride, this.pad); // [N, H', W', Cout]
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}

/** PyTorch `nn.BatchNorm2d` (also used on [N, C] inputs): eps 1e-5, momentum 0.1, unbiased running var. */
export class BatchNorm2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly channels: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = this.param('weight', tf.ones([channels]));
    this.bias = this.param('bias', tf.zeros([channels]));
    this.runningMean = this.buffer('running_mean', tf.zeros([channels]));
    this.runningVar = this.buffer('running_var', tf.ones([channels]));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      if (opts.bn === 'eval') {
        return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias, this.weight, this.eps);
      }
      const { y, mean, variance } = batchNormTrain(x, this.weight, this.bias, this.eps); // [same as x], [C], [C] (biased)
      if (opts.bn === 'train') this.updateRunningStats(mean, variance, x.size / this.channels);
      return y;
    });
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const m = this.momentum;
    const unbiased = tf.mul(variance, count / Math.max(count - 1, 1)); // [C]
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
  }
}

/**
 * How a Linear layer starts: `pytorch-default` (weight and bias U(±1/√in)), or
 * `{ normalStd }`: weight N(0, std²), bias 0 (torchvision's MobileNet-v3 init, std 0.01).
 */
export type LinearInit = 'pytorch-default' | { normalStd: number };

/** PyTorch `nn.Linear`; the weight is stored [in, out]. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: InitRng,
    bias = true,
    init: LinearInit = 'pytorch-default',
  ) {
    super();
    const shape = [inFeatures, outFeatures];
    const weight = init === 'pytorch-default' ? defaultUniform(rng, shape, inFeatures) : normal(rng, shape, init.normalStd);
    this.weight = this.param('weight', weight, 'linear-io');
    if (bias) {
      const b = init === 'pytorch-default' ? defaultUniform(rng, [outFeatures], inFeatures) : tf.zeros([outFeatures]);
      this.bias = this.param('bias', b);
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D); // [N, out]
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}

/** Children named '0', '1', … applied in order (PyTorch `nn.Sequential`). */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(layers: Module[]) {
    super();
    layers.forEach((layer, i) => this.layers.push(this.child(String(i), layer)));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, layer) => layer.forward(h, opts), x));
  }
}
