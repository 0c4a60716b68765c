/**
 * The trainer's complete state as plain data — `Map<name, {dtype, shape, data}>` plus JSON
 * metadata — so a checkpoint writer elsewhere can persist it and a restored trainer continues
 * bit-for-bit. Tensor names:
 *   `student.<torchvision name>`   query encoder (the student), parameters and buffers;
 *   `key.<torchvision name>`       momentum key encoder (MoCo modes);
 *   `queue`                        [K, D] keys (MoCo) or teacher embeddings (SEED);
 *   `sgd.momentum.<param name>`    SGD momentum buffers of the student's parameters.
 * Layouts (ours vs PyTorch's) are listed in the metadata for exporters.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from '@disco/models';
import { ALGO_DEFAULTS, type AlgoConfig, type LossMode } from './config.ts';
import { StateError } from './errors.ts';

export interface TensorRecord {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export const STATE_FORMAT = 'disco.train-state';
export const STATE_VERSION = 1;

export interface DiscoStateMetadata {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  mode: LossMode;
  /** Steps taken so far (the next step's index). */
  step: number;
  /** Queue pointer: row where the next keys go. */
  queuePtr: number;
  /** The step RNG is keyed by (seed, step): this is its whole state. */
  rng: { algorithm: string; seed: number; step: number };
  /** The full config the state was trained with. */
  config: AlgoConfig;
  /** Memory layout of each tensor (see `Layout` in @disco/models). */
  layouts: Record<string, Layout>;
}

export interface DiscoState {
  tensors: Map<string, TensorRecord>;
  metadata: DiscoStateMetadata;
}

/** One tensor of the state: where it lives and how it is laid out. */
export interface StateEntry {
  name: string;
  variable: tf.Variable;
  layout: Layout;
}

/** Copies every entry's values out (copies: a backend's buffers are never handed out). */
export function readEntries(entries: readonly StateEntry[]): Map<string, TensorRecord> {
  const out = new Map<string, TensorRecord>();
  for (const e of entries) {
    const dtype = e.variable.dtype;
    if (dtype !== 'float32' && dtype !== 'int32') throw new StateError(`state: ${e.name} has dtype ${dtype}, not float32/int32`);
    const values = e.variable.dataSync();
    const data = dtype === 'float32' ? Float32Array.from(values as Float32Array) : Int32Array.from(values as Int32Array);
    out.set(e.name, { dtype, shape: [...e.variable.shape], data });
  }
  return out;
}

/** Problems that stop `records` from filling `entries` exactly (empty when it fits). */
export function checkRecords(entries: readonly StateEntry[], records: ReadonlyMap<string, TensorRecord>): string[] {
  const problems: string[] = [];
  const known = new Set(entries.map((e) => e.name));
  const missing = entries.filter((e) => !records.has(e.name)).map((e) => e.name);
  const unknown = [...records.keys()].filter((k) => !known.has(k));
  if (missing.length) problems.push(`missing tensors: ${missing.join(', ')}`);
  if (unknown.length) problems.push(`unknown tensors: ${unknown.join(', ')}`);
  for (const e of entries) {
    const r = records.get(e.name);
    if (!r) continue;
    const want = e.variable.shape;
    const size = want.reduce((a, b) => a * b, 1);
    if (r.dtype !== e.variable.dtype) problems.push(`${e.name}: dtype ${r.dtype} is not ${e.variable.dtype}`);
    if (r.shape.length !== want.length || r.shape.some((d, i) => d !== want[i])) problems.push(`${e.name}: shape [${r.shape}] is not [${want}]`);
    else if (r.data.length !== size) problems.push(`${e.name}: ${r.data.length} values for shape [${want}] (${size})`);
  }
  return problems;
}

/** Assigns every record to its entry; call `checkRecords` first. */
export function writeEntries(entries: readonly StateEntry[], records: ReadonlyMap<string, TensorRecord>): void {
  tf.tidy(() => {
    for (const e of entries) {
      const r = records.get(e.name)!;
      e.variable.assign(tf.tensor(r.data, r.shape, r.dtype));
    }
  });
}

/** Fields where `saved` and `live` configs differ. */
export function configDifferences(saved: AlgoConfig, live: AlgoConfig): string[] {
  // A key a state saved before it existed had its default (worldSize 1, shuffleBn ghost).
  const was = { ...ALGO_DEFAULTS, ...saved };
  const keys = new Set([...Object.keys(was), ...Object.keys(live)]) as Set<keyof AlgoConfig>;
  return [...keys].filter((k) => was[k] !== live[k]).map((k) => `${k}: saved ${String(was[k])}, live ${String(live[k])}`);
}
