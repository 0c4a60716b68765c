/**
 * What `disco eval --model <path>` evaluates, whatever the path is:
 * - a trainer checkpoint (`runs/<run>/checkpoints/step-*.safetensors`): its student backbone;
 * - a run directory: its final export if the run finished, else its newest valid checkpoint;
 * - a folder of checkpoints (a run's `checkpoints/`): the newest valid one;
 * - a teacher folder from `disco import-teacher` (or its teacher.json): the weights it names,
 *   with the architecture and width it records;
 * - any weight file disco imports: the final export (`export/student.safetensors` or the
 *   `student-tfjs/` folder), a teacher's safetensors, a PyTorch MoCo-v2, torchvision or SwAV
 *   checkpoint.
 * The architecture comes from the weights when they state it (a checkpoint's config, a file's
 * `arch`/`width` metadata); `--arch`/`--width` fill in what they do not, and contradicting what
 * they do state is a usage error.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MODEL_NAMES, TEACHER_MANIFEST, detectSource, findTeacherManifest, importCheckpoint, withWeights, CheckpointKeyError, type Backbone } from '@disco/models';
import {
  checkpointArchitecture,
  isRunDir,
  newestValidCheckpoint,
  readCheckpoint,
  readCheckpointBackbone,
  runWeights,
  type CheckpointSource,
  type RunWeights,
} from '@disco/trainer-service';
import { UsageError } from '../command.ts';

/** `--arch` / `--width` as given (undefined = not given). */
export interface ArchFlags {
  arch?: string;
  width?: number;
}

export interface ModelSource {
  kind: 'checkpoint' | 'run-checkpoint' | 'run-export' | 'weights';
  /** The file the weights were read from. */
  path: string;
  arch: string;
  width: number;
  /** Where `arch` and `width` came from. */
  architectureFrom: string;
  /** For checkpoints: steps trained. */
  globalStep?: number;
  /** One line for people: which weights, and why those. */
  description: string;
}

export interface LoadedModel {
  backbone: Backbone;
  source: ModelSource;
}

/** The architecture: stated by the weights, else by the flags; a contradiction is a UsageError. */
export function reconcileArchitecture(stated: ArchFlags, flags: ArchFlags, path: string, statedBy: string): { arch: string; width: number; from: string } {
  if (stated.arch !== undefined && flags.arch !== undefined && stated.arch !== flags.arch) {
    throw new UsageError(`--arch ${flags.arch} contradicts ${path}: ${statedBy} says ${stated.arch} (leave --arch out to use it)`);
  }
  if (stated.width !== undefined && flags.width !== undefined && stated.width !== flags.width) {
    throw new UsageError(`--width ${flags.width} contradicts ${path}: ${statedBy} says width ${stated.width} (leave --width out to use it)`);
  }
  const arch = stated.arch ?? flags.arch;
  if (arch === undefined) throw new UsageError(`${path} does not say which architecture it holds: give --arch <${MODEL_NAMES.join('|')}>`);
  const width = stated.width ?? flags.width ?? 1;
  const archFrom = stated.arch !== undefined ? statedBy : '--arch';
  const widthFrom = stated.width !== undefined ? statedBy : flags.width !== undefined ? '--width' : 'the default (stated nowhere)';
  return { arch, width, from: archFrom === widthFrom ? `architecture from ${archFrom}` : `arch from ${archFrom}, width from ${widthFrom}` };
}

const skippedNote = (skipped: readonly string[]) => (skipped.length ? `; skipped ${skipped.length} newer that did not verify: ${skipped.join('; ')}` : '');
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const show = (p: string) => relative(process.cwd(), p) || '.';

/**
 * Loads the backbone `path` names. Throws UsageError (flags), ModelPathError, CheckpointError,
 * RunDirError (from @disco/trainer-service) or the weight readers' errors (WeightFileError, CheckpointKeyError).
 */
export async function loadModel(path: string, flags: ArchFlags): Promise<LoadedModel> {
  if (!existsSync(path)) throw new ModelPathError(path, 'no such file or directory');
  const teacher = isDir(path) && !existsSync(join(path, TEACHER_MANIFEST)) ? undefined : findTeacherManifest(path);
  if (teacher) {
    const stated = { arch: teacher.manifest.arch, width: teacher.manifest.width };
    reconcileArchitecture(stated, flags, teacher.manifestPath, 'the teacher manifest');
    return fromWeights(teacher.weights, stated, 'weights', `teacher ${show(teacher.manifestPath)}`);
  }
  if (isDir(path) && !existsSync(join(path, 'model.json'))) {
    if (isRunDir(path)) return fromRun(runWeights(path), flags);
    const { newest, skipped } = newestValidCheckpoint(path);
    if (newest) return fromCheckpoint(newest, flags, 'checkpoint', `newest valid checkpoint in ${show(path)}${skippedNote(skipped)}`);
    if (skipped.length) throw new ModelPathError(path, `no checkpoint in it verifies (${skipped.join('; ')})`);
    throw new ModelPathError(path, 'is a directory but not a run directory (no checkpoints/, summary.json or record.jsonl), not a folder of step-*.safetensors checkpoints, and not a tfjs model (no model.json)');
  }
  const isCheckpoint = !isDir(path) && withWeights(path, (file) => file.metadata['disco.checkpoint'] !== undefined);
  if (isCheckpoint) return fromCheckpoint(path, flags, 'checkpoint', 'trainer checkpoint');
  return fromWeights(path, flags, 'weights', 'the weights given');
}

async function fromRun(run: RunWeights, flags: ArchFlags): Promise<LoadedModel> {
  if (run.kind === 'export') {
    return fromWeights(run.path, flags, 'run-export', `final export of run ${show(run.runDir)} (the run finished)`);
  }
  return fromCheckpoint(run, flags, 'run-checkpoint', `newest valid checkpoint of run ${show(run.runDir)} (run state ${run.state}, no final export)${skippedNote(run.skipped)}`);
}

async function fromCheckpoint(checkpoint: CheckpointSource, flags: ArchFlags, kind: ModelSource['kind'], what: string): Promise<LoadedModel> {
  const source = typeof checkpoint === 'string' ? { path: checkpoint, checkpoint: readCheckpoint(checkpoint) } : checkpoint;
  const stated = checkpointArchitecture(source.checkpoint);
  const { arch, width, from } = reconcileArchitecture({ arch: stated.model, width: stated.width }, flags, source.path, "the checkpoint's config (trainer.model, trainer.width)");
  const loaded = await readCheckpointBackbone(source, 'student');
  const { epoch, step, globalStep } = loaded.position;
  return {
    backbone: loaded.module,
    source: {
      kind,
      path: source.path,
      arch,
      width,
      architectureFrom: from,
      globalStep,
      description: `${show(source.path)}: ${what}; student of run '${loaded.run}' (mode ${loaded.mode}) after ${globalStep} steps (next: epoch ${epoch} step ${step})`,
    },
  };
}

async function fromWeights(path: string, flags: ArchFlags, kind: ModelSource['kind'], what: string): Promise<LoadedModel> {
  const { stated, encoderFile, format } = withWeights(path, (file) => {
    const width = Number(file.metadata.width);
    const keys = [...file.tensors.keys()];
    return {
      format: file.format,
      stated: { arch: file.metadata.arch || undefined, width: file.metadata.width !== undefined && width > 0 ? width : undefined },
      // A disco encoder (`backbone.*` + `fc.*`, e.g. an imported teacher): load it whole, keep the backbone.
      encoderFile: detectSource(keys) === 'disco' && keys.some((k) => k.startsWith('fc.')),
    };
  });
  const { arch, width, from } = reconcileArchitecture(stated, flags, path, "the file's metadata");
  let backbone: Backbone;
  try {
    if (encoderFile) {
      const encoder = importCheckpoint(path, { arch, width, target: 'encoder' }).module;
      encoder.fc.dispose();
      backbone = encoder.backbone;
    } else {
      backbone = importCheckpoint(path, { arch, width, target: 'backbone' }).module;
    }
  } catch (err) {
    if (err instanceof CheckpointKeyError && err.shapeMismatches.length && stated.width === undefined && flags.width === undefined) {
      err.message = `${path} does not record its width multiplier and width 1 was assumed, which does not fit its tensors: give --width\n${err.message}`;
    }
    throw err;
  }
  return { backbone, source: { kind, path, arch, width, architectureFrom: from, description: `${show(path)} (${format}${encoderFile ? ', an encoder: its backbone' : ''}): ${what}` } };
}

/** The path itself is wrong: missing, or a directory with nothing to evaluate. */
export class ModelPathError extends Error {
  override name = 'ModelPathError';
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
  }
}

