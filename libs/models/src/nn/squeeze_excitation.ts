/**
 * torchvision's `ops.SqueezeExcitation` (Hu et al. 2018): s = σ(fc2(δ(fc1(avgpool(x))))),
 * y = s · x, where `fc1`, `fc2` are 1×1 convolutions with bias (so PyTorch's names
 * `fc1.weight`, `fc1.bias`, `fc2.weight`, `fc2.bias` map directly). MobileNet-v3 uses
 * δ = ReLU, σ = hard-sigmoid; EfficientNet δ = SiLU, σ = sigmoid.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.ts';
import { Conv2d } from './layers.ts';
import { activate, type ActivationName } from './activations.ts';
import { globalAvgPoolKeepDims } from './pooling.ts';
import type { InitRng } from './rng.ts';

export interface SqueezeExcitationConfig {
  channels: number;
  squeezeChannels: number;
  /** δ, after fc1 (torchvision default ReLU). */
  activation: ActivationName;
  /** σ, the gate (torchvision default sigmoid). */
  scaleActivation: ActivationName;
}

export class SqueezeExcitation extends Module {
  private readonly fc1: Conv2d;
  private readonly fc2: Conv2d;

  constructor(readonly config: SqueezeExcitationConfig, rng: InitRng) {
    super();
    const { channels, squeezeChannels } = config;
    const conv = (cin: number, cout: number) =>
      new Conv2d({ inChannels: cin, outChannels: cout, kernel: 1, bias: true, biasInit: 'zeros' }, rng);
    this.fc1 = this.child('fc1', conv(channels, squeezeChannels));
    this.fc2 = this.child('fc2', conv(squeezeChannels, channels));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let s = globalAvgPoolKeepDims(x); // [N, 1, 1, C]
      s = activate(this.config.activation, this.fc1.forward(s)); // [N, 1, 1, S]
      s = activate(this.config.scaleActivation, this.fc2.forward(s)); // [N, 1, 1, C]
      return tf.mul(x, s); // [N, H, W, C]
    });
  }
}
