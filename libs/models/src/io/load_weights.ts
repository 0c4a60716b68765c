/**
 * Loads a weight file into a module, strictly: every checkpoint key is renamed or dropped by an
 * explicit rule (name_map.ts), every module tensor must be provided, every shape must fit, and
 * all problems are reported together before a single value is assigned.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module, NamedTensor } from '../nn/module.ts';
import { CheckpointKeyError, WeightFileError, type ShapeMismatch } from './errors.ts';
import { fromTorchLayout, torchShape } from './layout.ts';
import { detectSource, mapNames, type DroppedKey, type ImportTarget, type SourceFormat } from './name_map.ts';
import { withWeights } from './open_weights.ts';
import { toFloat32 } from './raw_tensor.ts';
import type { WeightFile, WeightFormat } from './weight_file.ts';

export interface LoadWeightsOptions {
  /** Whether `module` is an `Encoder` (backbone + head) or a bare backbone. */
  target: ImportTarget;
  /** How the file names its tensors; detected from the keys when absent. */
  source?: SourceFormat;
}

/** What an import did, for logs and for `disco import-teacher`'s output. */
export interface ImportReport {
  file: string;
  format: WeightFormat;
  source: SourceFormat;
  target: ImportTarget;
  /** Tensors assigned (every tensor of the module). */
  loaded: number;
  /** Checkpoint keys deliberately not loaded, each with its reason. */
  dropped: DroppedKey[];
  /** The file's text metadata (safetensors `__metadata__`, a torch checkpoint's `epoch`, `arch`). */
  metadata: Record<string, string>;
  /** Top-level checkpoint entries parsed but unused (e.g. `optimizer`). */
  ignored: string[];
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Loads `path` (safetensors, PyTorch zip checkpoint or tfjs manifest) into `module`. */
export function loadWeights(module: Module, path: string, options: LoadWeightsOptions): ImportReport {
  return withWeights(path, (file) => loadFromFile(module, file, options));
}

export function loadFromFile(module: Module, file: WeightFile, options: LoadWeightsOptions): ImportReport {
  const ours = new Map(module.namedTensors().map((t) => [t.name, t]));
  const keys = [...file.tensors.keys()];
  const source = options.source ?? detectSource(keys);
  const names = mapNames(keys, source, options.target, (n) => ours.has(n));
  // tfjs files are written in our layout; PyTorch files in PyTorch's.
  const fileShape = (t: NamedTensor): number[] => (file.format === 'tfjs' ? [...t.variable.shape] : torchShape(t.layout, t.variable.shape));

  const unknown = [...names.unknown];
  const mismatches: ShapeMismatch[] = [];
  const provided = new Map<string, string>(); // our name → checkpoint key
  for (const [key, target] of names.mapped) {
    const t = ours.get(target);
    if (!t) unknown.push(key === target ? key : `${key} (→ ${target}, not in the model)`);
    else if (provided.has(target)) unknown.push(`${key} (→ ${target}, already given by ${provided.get(target)})`);
    else {
      provided.set(target, key);
      const found = file.tensors.get(key)!.shape;
      const expected = fileShape(t);
      if (found.length !== expected.length || found.some((d, i) => d !== expected[i])) mismatches.push({ key, target, found, expected });
    }
  }
  const missing = [...ours.keys()].filter((n) => !provided.has(n));
  if (unknown.length || missing.length || mismatches.length) throw new CheckpointKeyError(file.path, unknown, missing, mismatches);
  for (const key of provided.values()) {
    const { dtype } = file.tensors.get(key)!;
    if (!FLOAT_DTYPES.has(dtype)) throw new WeightFileError(file.path, `tensor '${key}' has dtype ${dtype}; model weights must be F32, F16, BF16 or F64`);
  }

  const values = new Map<string, tf.Tensor>();
  try {
    for (const [target, key] of provided) {
      const t = ours.get(target)!;
      const raw = file.tensors.get(key)!.read();
      const laid = file.format === 'tfjs' ? raw : fromTorchLayout(raw, t.layout, t.variable.shape);
      values.set(target, tf.tensor(toFloat32(laid), t.variable.shape, 'float32'));
    }
    module.loadState(values);
  } finally {
    tf.dispose([...values.values()]);
  }
  return {
    file: file.path,
    format: file.format,
    source,
    target: options.target,
    loaded: provided.size,
    dropped: names.dropped,
    metadata: file.metadata,
    ignored: file.ignored,
  };
}
