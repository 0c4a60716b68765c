/**
 * The MLP projection head of MoCo-v2 and DisCo: Linear(in, hidden) → ReLU → Linear(hidden, out),
 * no BatchNorm. Children are named `0` and `2` like PyTorch's `nn.Sequential(Linear, ReLU,
 * Linear)`, so MoCo checkpoints' `fc.0.weight` / `fc.2.weight` map directly.
 * DisCo widens the student's hidden layer to 2048 against the distilling bottleneck.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.ts';
import { Linear } from '../nn/layers.ts';
import { InitRng } from '../nn/rng.ts';

export interface ProjectionHeadConfig {
  inFeatures: number;
  /** Hidden width (DisCo's `headHidden`, default 2048). */
  hidden: number;
  /** Embedding dimension (MoCo-v2: 128). */
  outFeatures: number;
  seed: number;
}

export class ProjectionHead extends Module {
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  constructor(readonly config: ProjectionHeadConfig) {
    super();
    const rng = new InitRng(config.seed);
    this.fc1 = this.child('0', new Linear(config.inFeatures, config.hidden, rng));
    this.fc2 = this.child('2', new Linear(config.hidden, config.outFeatures, rng));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.forward(tf.relu(this.fc1.forward(x)))); // [N, out]
  }
}
