/**
 * A disco teacher on disk: `teacher.safetensors` (backbone.* + fc.*) and `teacher.json`, the
 * manifest `disco import-teacher` (and the teacher-training recipe) writes beside it: the
 * architecture, width, head shape and embedding size the weights were made with. Wherever a
 * teacher checkpoint is named — `--teacher.checkpoint`, `disco eval --model` — the folder or its
 * `teacher.json` may be given; the manifest then says how to build the network, so nobody
 * repeats (or gets wrong) what the file already knows.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export const TEACHER_MANIFEST = 'teacher.json';

/** What `teacher.json` records next to the weights. */
export interface TeacherManifest {
  arch: string;
  width: number;
  featureDim: number;
  headHidden: number;
  embedDim: number;
  /** The weights file, relative to the manifest's folder. */
  weights: string;
  importedFrom: string;
  source: string;
  dropped: { key: string; reason: string }[];
  checkpointMetadata: Record<string, string>;
}

export class TeacherManifestError extends Error {
  override name = 'TeacherManifestError';
}

export interface FoundTeacher {
  manifest: TeacherManifest;
  /** The manifest's path. */
  manifestPath: string;
  /** Absolute path of the weights it names. */
  weights: string;
}

/**
 * The teacher manifest `path` names — a folder holding `teacher.json`, or that file — or
 * undefined when `path` is a weights file (or anything else). Throws TeacherManifestError for a
 * manifest that cannot be read or names no readable weights.
 */
export function findTeacherManifest(path: string): FoundTeacher | undefined {
  if (!path) return undefined;
  const full = resolve(path);
  let manifestPath: string | undefined;
  if (existsSync(full) && statSync(full).isDirectory()) {
    manifestPath = join(full, TEACHER_MANIFEST);
    if (!existsSync(manifestPath)) {
      throw new TeacherManifestError(`${full} is a folder without ${TEACHER_MANIFEST}: give the folder \`disco import-teacher --out\` wrote, or a weights file`);
    }
  } else if (basename(full) === TEACHER_MANIFEST) {
    manifestPath = full;
  }
  if (!manifestPath) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new TeacherManifestError(`${manifestPath}: cannot read it as JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const m = raw as Partial<TeacherManifest>;
  const problems: string[] = [];
  if (typeof m.arch !== 'string' || !m.arch) problems.push('arch');
  for (const k of ['width', 'headHidden', 'embedDim'] as const) if (!(typeof m[k] === 'number' && m[k]! > 0)) problems.push(k);
  if (typeof m.weights !== 'string' || !m.weights) problems.push('weights');
  if (problems.length) throw new TeacherManifestError(`${manifestPath}: missing or invalid ${problems.join(', ')} (not a teacher manifest \`disco import-teacher\` wrote?)`);
  const weights = resolve(dirname(manifestPath), m.weights!);
  if (!existsSync(weights)) throw new TeacherManifestError(`${manifestPath} names weights ${weights}, which do not exist`);
  return { manifest: m as TeacherManifest, manifestPath, weights };
}

/** The teacher settings a manifest fixes, by config key (teacher section names). */
export function manifestTeacherSettings(m: TeacherManifest): { model: string; width: number; headHidden: number; embedDim: number } {
  return { model: m.arch, width: m.width, headHidden: m.headHidden, embedDim: m.embedDim };
}
