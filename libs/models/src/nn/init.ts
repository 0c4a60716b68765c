/**
 * Seeded weight initialisers that give the same numbers on every backend and machine
 * (tfjs's own random ops differ between backends). Distributions follow PyTorch's defaults.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { InitRng } from './rng.ts';

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** N(0, std²). */
export function normal(rng: InitRng, shape: number[], std: number): tf.Tensor {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return tf.tensor(out, shape);
}

/** U(-bound, bound). */
export function uniform(rng: InitRng, shape: number[], bound: number): tf.Tensor {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * bound;
  return tf.tensor(out, shape);
}

/** PyTorch `kaiming_normal_(mode='fan_out', nonlinearity='relu')`: std = sqrt(2 / fan_out). */
export function kaimingNormalFanOut(rng: InitRng, shape: number[], fanOut: number): tf.Tensor {
  return normal(rng, shape, Math.sqrt(2 / fanOut));
}

/** PyTorch's default Linear/Conv init (`kaiming_uniform_(a=√5)`): U(±1/√fan_in). */
export function defaultUniform(rng: InitRng, shape: number[], fanIn: number): tf.Tensor {
  return uniform(rng, shape, 1 / Math.sqrt(fanIn));
}
