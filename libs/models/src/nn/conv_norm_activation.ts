/**
 * torchvision's `Conv2dNormActivation`: Conv2d (no bias, symmetric padding (k−1)/2) →
 * BatchNorm2d → optional activation, as a `Sequential` so the children are named `0`, `1`, `2`
 * like PyTorch's (`features.0.0.weight`, `features.0.1.running_mean`).
 */
import { BatchNorm2d, Conv2d, Sequential } from './layers.ts';
import { Activation, type ActivationName } from './activations.ts';
import type { Module } from './module.ts';
import type { InitRng } from './rng.ts';

/** BatchNorm hyperparameters in PyTorch's convention (running = (1 − momentum)·running + momentum·batch). */
export interface BatchNormConfig {
  eps: number;
  momentum: number;
}

export interface ConvNormActivationConfig {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  /** `inChannels` for a depthwise conv; 1 (default) for a dense one. */
  groups?: number;
  /** `null` for none (the linear projection of an inverted residual). */
  activation: ActivationName | null;
  bn: BatchNormConfig;
}

export function convNormActivation(cfg: ConvNormActivationConfig, rng: InitRng): Sequential {
  const { inChannels, outChannels, kernel, stride = 1, groups = 1, activation, bn } = cfg;
  const layers: Module[] = [
    new Conv2d({ inChannels, outChannels, kernel, stride, padding: (kernel - 1) >> 1, groups }, rng),
    new BatchNorm2d(outChannels, bn.eps, bn.momentum),
  ];
  if (activation !== null) layers.push(new Activation(activation));
  return new Sequential(layers);
}
