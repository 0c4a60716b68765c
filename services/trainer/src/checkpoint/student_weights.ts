/**
 * The student out of a trainer checkpoint, for evaluation and export: a checkpoint holds the
 * whole trainer state in disco's own layouts (`student.backbone.*`, `student.fc.*`, `key.*`,
 * `queue`, `sgd.*`; see checkpoint_file.ts) and the config the run was started with, which names
 * the architecture (`trainer.model`, `trainer.width`, `algo.headHidden`, `algo.embedDim`), so no
 * caller repeats it. And which weights a run directory offers: the final export once the run
 * finished, else its newest checkpoint that verifies. Read-only: never touches the run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createBackbone, createEncoder, type Backbone, type Encoder, type Module } from '@disco/models';
import { initBackend } from '@disco/tensor';
import { CheckpointError, readCheckpoint, type Checkpoint, type PlanPosition } from './checkpoint_file.ts';
import { exportPaths } from '../final_export.ts';
import { newestValidCheckpoint } from './checkpoint_store.ts';

export { listCheckpoints, newestValidCheckpoint } from './checkpoint_store.ts';

export { CheckpointError } from './checkpoint_file.ts';

/** The student's architecture as the checkpoint's own config states it. */
export interface CheckpointArchitecture {
  model: string;
  width: number;
  headHidden: number;
  embedDim: number;
}

/** `student`: the query encoder (what training produces); `key`: the momentum encoder (MoCo modes). */
export type CheckpointEncoderName = 'student' | 'key';

export interface CheckpointModel<M extends Module> {
  /** The caller disposes it. */
  module: M;
  path: string;
  architecture: CheckpointArchitecture;
  run: string;
  mode: string;
  /** The next batch the run would train: the weights are those after `globalStep` steps. */
  position: PlanPosition;
}

/** A checkpoint path, or a checkpoint already read and verified (e.g. by `runWeights`). */
export type CheckpointSource = string | { path: string; checkpoint: Checkpoint };

export function checkpointArchitecture(checkpoint: Checkpoint): CheckpointArchitecture {
  const { trainer, algo } = checkpoint.meta.config;
  return { model: trainer.model, width: trainer.width, headHidden: algo.headHidden, embedDim: algo.embedDim };
}

/** The backbone (no projection head) of one encoder of a checkpoint, strictly loaded. */
export async function readCheckpointBackbone(source: CheckpointSource, encoder: CheckpointEncoderName = 'student'): Promise<CheckpointModel<Backbone>> {
  return load(source, encoder, false) as Promise<CheckpointModel<Backbone>>;
}

/** One encoder of a checkpoint with its projection head (`backbone.*` + `fc.*`), strictly loaded. */
export async function readCheckpointEncoder(source: CheckpointSource, encoder: CheckpointEncoderName = 'student'): Promise<CheckpointModel<Encoder>> {
  return load(source, encoder, true) as Promise<CheckpointModel<Encoder>>;
}

async function load(source: CheckpointSource, encoder: CheckpointEncoderName, withHead: boolean): Promise<CheckpointModel<Module>> {
  const { path, checkpoint } = typeof source === 'string' ? { path: source, checkpoint: readCheckpoint(source) } : source;
  const architecture = checkpointArchitecture(checkpoint);
  const { model, width, headHidden, embedDim } = architecture;
  const prefix = withHead ? `${encoder}.` : `${encoder}.backbone.`;
  const { tensors, metadata } = checkpoint.state;
  if (![...tensors.keys()].some((k) => k.startsWith(`${encoder}.`))) {
    throw new CheckpointError(path, `holds no '${encoder}.*' tensors (mode ${checkpoint.meta.config.algo.mode}${encoder === 'key' ? ': only MoCo modes keep a key encoder' : ''})`);
  }
  await initBackend();
  const module: Module = withHead ? createEncoder(model, { width, seed: 0, headHidden, embedDim }) : createBackbone(model, { width, seed: 0 });
  try {
    const ours = module.namedTensors();
    const problems: string[] = [];
    const missing = ours.filter((t) => !tensors.has(prefix + t.name)).map((t) => prefix + t.name);
    if (missing.length) problems.push(`missing ${missing.length} tensors (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
    const known = new Set(ours.map((t) => prefix + t.name));
    const inScope = (k: string) => k.startsWith(prefix) && (withHead || !k.startsWith(`${encoder}.fc.`));
    const unknown = [...tensors.keys()].filter((k) => inScope(k) && !known.has(k));
    if (unknown.length) problems.push(`${unknown.length} tensors the model does not have (${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''})`);
    for (const t of ours) {
      const r = tensors.get(prefix + t.name);
      if (!r) continue;
      const want = t.variable.shape;
      if (r.dtype !== 'float32') problems.push(`${prefix}${t.name} is ${r.dtype}, not float32`);
      if (r.shape.length !== want.length || r.shape.some((d, i) => d !== want[i])) problems.push(`${prefix}${t.name} has shape [${r.shape}], the model needs [${want}]`);
      const layout = metadata.layouts?.[prefix + t.name];
      if (layout !== undefined && layout !== t.layout) problems.push(`${prefix}${t.name} is stored as ${layout}, the model needs ${t.layout}`);
    }
    if (problems.length) throw new CheckpointError(path, `does not fit ${model} ×${width} as its config says: ${problems.join('; ')}`);
    const values = new Map<string, tf.Tensor>();
    try {
      for (const t of ours) {
        const r = tensors.get(prefix + t.name)!;
        values.set(t.name, tf.tensor(r.data, r.shape, 'float32'));
      }
      module.loadState(values);
    } finally {
      tf.dispose([...values.values()]);
    }
  } catch (err) {
    module.dispose();
    throw err;
  }
  const { meta } = checkpoint;
  return { module, path, architecture, run: meta.config.trainer.run, mode: meta.config.algo.mode, position: meta.position };
}

/** The weights a run directory offers, newest state first. */
export type RunWeights =
  | { kind: 'export'; runDir: string; path: string; state: string }
  | { kind: 'checkpoint'; runDir: string; path: string; checkpoint: Checkpoint; skipped: string[]; state: string };

export class RunDirError extends Error {
  override name = 'RunDirError';
  constructor(readonly runDir: string, reason: string) {
    super(`run directory ${runDir}: ${reason}`);
  }
}

/** Whether `dir` looks like a run directory (what the trainer leaves behind). */
export function isRunDir(dir: string): boolean {
  return ['checkpoints', 'summary.json', 'record.jsonl'].some((f) => existsSync(join(dir, f)));
}

/**
 * The final student export (`export/student.safetensors`) if the run finished (`summary.json`
 * says DONE), else the newest checkpoint that reads back and verifies, listing the ones skipped.
 * Throws RunDirError when there is neither.
 */
export function runWeights(runDir: string): RunWeights {
  let state = 'unknown (no summary.json)';
  try {
    state = (JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { state?: string }).state ?? 'unknown';
  } catch {
    // no summary: the trainer has not ended a run here (yet)
  }
  const exported = exportPaths(runDir).safetensors;
  if (state === 'DONE' && existsSync(exported) && statSync(exported).isFile()) return { kind: 'export', runDir, path: exported, state };
  const dir = join(runDir, 'checkpoints');
  const { newest, skipped } = newestValidCheckpoint(dir);
  if (newest) return { kind: 'checkpoint', runDir, ...newest, skipped, state };
  const noExport = state === 'DONE' ? `its final export ${exported} is missing` : `no final export (run state ${state})`;
  if (skipped.length) throw new RunDirError(runDir, `no checkpoint in ${dir} verifies (${skipped.join('; ')}) and ${noExport}`);
  throw new RunDirError(runDir, `no checkpoint (${dir} holds no step-*.safetensors) and ${noExport}`);
}
