/**
 * A trainer checkpoint (`runs/<run>/checkpoints/step-*.safetensors`: student, key encoder,
 * queue, SGD state under `student.backbone.*`, `student.head.*`, …) holds the student's backbone
 * under the prefix `student.backbone.`; `disco eval` reads backbones with torchvision names.
 * This writes that backbone alone, so every epoch's student can be evaluated.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '@disco/models';

const PREFIX = 'student.backbone.';

export class CheckpointBackboneError extends Error {
  override name = 'CheckpointBackboneError';
}

/** Writes the student backbone of checkpoint `from` to `to` (safetensors, torchvision names). */
export function extractStudentBackbone(from: string, to: string): number {
  const { tensors } = readSafetensors(from);
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of tensors) if (name.startsWith(PREFIX)) out.set(name.slice(PREFIX.length), t);
  if (out.size === 0) throw new CheckpointBackboneError(`${from}: no tensor named ${PREFIX}* (not a disco trainer checkpoint?)`);
  writeSafetensors(to, out, { producer: 'test/repro/checkpoint_backbone.ts', source: from });
  return out.size;
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
