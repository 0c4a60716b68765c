/**
 * A trainer checkpoint (`runs/<run>/checkpoints/step-*.safetensors`) stores the whole trainer
 * state in disco's own layouts (conv kernels [kh, kw, in, out], linear [in, out]) under
 * `student.backbone.*`, `student.fc.*`, `key.*`, `queue`, `sgd.*`. `disco eval` reads exported
 * backbones (torchvision names, PyTorch layouts). This loads one encoder of a checkpoint into
 * the model and writes it through the same export the trainer's final student goes through.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createBackbone, createEncoder, exportModule, readSafetensors, toFloat32, type Module } from '@disco/models';
import { initBackend } from '@disco/tensor';

export class CheckpointBackboneError extends Error {
  override name = 'CheckpointBackboneError';
}

export interface CheckpointModel {
  arch: string;
  width: number;
  /** `student.` (the query encoder) or `key.` (the momentum encoder). */
  prefix: 'student.' | 'key.';
  /** With a head (`hidden`, `embed`), the whole encoder (`backbone.*` + `fc.*`); else the backbone alone. */
  head?: { hidden: number; embed: number };
}

/** The module `model` describes, with its weights from checkpoint `from`. Caller disposes it. */
export async function loadFromCheckpoint(from: string, model: CheckpointModel): Promise<Module> {
  await initBackend();
  const { tensors } = readSafetensors(from);
  const module: Module = model.head
    ? createEncoder(model.arch, { width: model.width, seed: 0, headHidden: model.head.hidden, embedDim: model.head.embed })
    : createBackbone(model.arch, { width: model.width, seed: 0 });
  const prefix = model.head ? model.prefix : `${model.prefix}backbone.`;
  try {
    const missing = module.namedTensors().filter((t) => !tensors.has(prefix + t.name)).map((t) => prefix + t.name);
    if (missing.length) throw new CheckpointBackboneError(`${from}: no ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (+${missing.length - 3})` : ''} (not a disco trainer checkpoint of ${model.arch} ×${model.width}?)`);
    const values = new Map(module.namedTensors().map((t) => {
      const raw = tensors.get(prefix + t.name)!;
      return [t.name, tf.tensor(toFloat32(raw), raw.shape)] as const;
    }));
    try {
      module.loadState(values);
    } finally {
      for (const v of values.values()) v.dispose();
    }
    return module;
  } catch (err) {
    module.dispose();
    throw err;
  }
}

/** Writes the student backbone of checkpoint `from` to `to` (safetensors, as the final export). */
export async function extractStudentBackbone(from: string, to: string, arch: string, width: number): Promise<void> {
  const backbone = await loadFromCheckpoint(from, { arch, width, prefix: 'student.' });
  try {
    await exportModule(backbone, to, 'safetensors', { producer: 'test/repro/checkpoint_backbone.ts', source: from });
  } finally {
    backbone.dispose();
  }
}

/** The checkpoints in `dir` with their global step, oldest first. */
export function listCheckpoints(dir: string): { path: string; globalStep: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: /^step-(\d+)\.safetensors$/.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map(({ n, m }) => ({ path: join(dir, n), globalStep: Number(m[1]) }))
    .sort((a, b) => a.globalStep - b.globalStep);
}
