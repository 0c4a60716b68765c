/**
 * Seeded weight initialisers that give the same numbers on every backend and machine
 * (tfjs's own random ops differ between backends). Distributions follow PyTorch's defaults.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A small seeded generator (mulberry32) with a Box–Muller normal. */
export class InitRng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = Math.max(this.uniform(), 1e-12);
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/**
 * Mixes 32-bit words into one seed (the splitmix32 finaliser applied per word), e.g. a run seed
 * and a step or epoch, so each combination keys its own `InitRng` stream. `start` separates
 * families of streams that must never collide.
 */
export function mixSeed(words: readonly number[], start = 0x9e3779b9): number {
  let h = start >>> 0;
  for (const w of words) {
    h = (h + (w >>> 0) + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

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
