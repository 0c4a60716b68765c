/**
 * One checkpoint file: every tensor of the trainer's state (student, key encoder, queue, SGD
 * momentum; libs/disco `save()`) in safetensors, with the metadata (config, plan position, the
 * algorithm's JSON state) and a SHA-256 over metadata and tensors in its header. safetensors has
 * no checksum of its own; ours makes a torn or bit-flipped file detectable, so the store falls
 * back to the previous checkpoint. Written atomically (temp file, fsync, rename, fsync of the
 * folder).
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '@disco/models';
import type { DiscoState, DiscoStateMetadata, TensorRecord } from '@disco/disco';
import type { TrainerConfig } from '../config.ts';

export const CHECKPOINT_FORMAT = 'disco.checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Where the run stands: the next batch to train is (epoch, step). */
export interface PlanPosition {
  epoch: number;
  step: number;
  /** Steps trained since the run began (= lines in the record). */
  globalStep: number;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  position: PlanPosition;
  /** The whole config the run was started with. */
  config: TrainerConfig;
  /** Length of the workers' dataset and images the plan draws from. */
  datasetSize: number;
  images: number;
  stepsPerEpoch: number;
  /** libs/disco's state metadata (step, queue pointer, RNG, its config, layouts). */
  state: DiscoStateMetadata;
  /** Unix ms. */
  time: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  state: DiscoState;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(readonly path: string, reason: string) {
    super(`checkpoint ${path}: ${reason}`);
  }
}

const TO_FILE = { float32: 'F32', int32: 'I32' } as const;
const FROM_FILE: Record<string, TensorRecord['dtype']> = { F32: 'float32', I32: 'int32' };

function digest(metaJson: string, tensors: Iterable<[string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }]>): string {
  const h = createHash('sha256');
  h.update(metaJson);
  for (const [name, t] of tensors) {
    h.update(`\n${name}|${t.dtype}|${t.shape.join(',')}|`);
    h.update(t.bytes);
  }
  return h.digest('hex');
}

const bytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const metaJson = JSON.stringify(checkpoint.meta);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, t] of checkpoint.state.tensors) tensors.set(name, { dtype: TO_FILE[t.dtype], shape: t.shape, data: t.data });
  const sha256 = digest(metaJson, [...tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, bytes: bytes(t.data) }]));
  writeSafetensors(path, tensors, { [CHECKPOINT_FORMAT]: metaJson, sha256 });
  fsyncFolder(dirname(path));
}

/** Reads and verifies a checkpoint; throws CheckpointError if it is torn, corrupt or foreign. */
export function readCheckpoint(path: string): Checkpoint {
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(path);
  } catch (err) {
    throw new CheckpointError(path, (err as Error).message);
  }
  const metaJson = file.metadata[CHECKPOINT_FORMAT];
  if (metaJson === undefined) throw new CheckpointError(path, `no '${CHECKPOINT_FORMAT}' metadata: not a disco checkpoint`);
  const want = digest(metaJson, [...file.tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, bytes: t.data }]));
  if (file.metadata.sha256 !== want) throw new CheckpointError(path, `checksum mismatch (stored ${file.metadata.sha256}, computed ${want}): the file is corrupt`);
  const meta = JSON.parse(metaJson) as CheckpointMeta;
  if (meta.format !== CHECKPOINT_FORMAT || meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(path, `format ${meta.format}/${meta.version} is not ${CHECKPOINT_FORMAT}/${CHECKPOINT_VERSION}`);
  }
  const tensors = new Map<string, TensorRecord>();
  for (const [name, t] of file.tensors) {
    const dtype = FROM_FILE[t.dtype];
    if (!dtype) throw new CheckpointError(path, `tensor '${name}' has dtype ${t.dtype}; checkpoints hold F32 and I32`);
    // Copy into an aligned buffer of the right element type.
    const data = dtype === 'float32' ? new Float32Array(t.data.byteLength / 4) : new Int32Array(t.data.byteLength / 4);
    new Uint8Array(data.buffer).set(t.data);
    tensors.set(name, { dtype, shape: t.shape, data });
  }
  return { meta, state: { tensors, metadata: meta.state } };
}

function fsyncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
