/**
 * `disco import-teacher <checkpoint> --arch <name> --out <dir>`: reads a PyTorch (MoCo-v2,
 * torchvision, SwAV backbone), safetensors or tfjs checkpoint strictly, and writes a disco
 * teacher: `<dir>/teacher.safetensors` (names `backbone.*` + `fc.*`, PyTorch layouts) and
 * `<dir>/teacher.json` (architecture, width, head shape, what was dropped and why).
 * A disco trainer checkpoint or run directory (e.g. a MoCo-v2 run of `disco train` meant as a
 * teacher) imports its student encoder with its head; architecture and width come from it.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '@disco/tensor';
import { MODEL_NAMES, TEACHER_MANIFEST, exportModule, importCheckpoint, withWeights, type Encoder, type SourceFormat, type TeacherManifest } from '@disco/models';
import { checkpointArchitecture, isRunDir, newestValidCheckpoint, readCheckpoint, readCheckpointEncoder, runWeights } from '@disco/trainer-service';
import { UsageError, type Command } from '../command.ts';

const SOURCES: readonly SourceFormat[] = ['moco-v2', 'torchvision', 'swav', 'disco'];

/** The trainer checkpoint `path` names (a checkpoint file, or a run directory's newest valid one), if it is one. */
function discoCheckpoint(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    if (!isRunDir(path)) return undefined;
    const run = runWeights(path);
    const { newest } = newestValidCheckpoint(join(path, 'checkpoints'));
    return newest?.path ?? (run.kind === "checkpoint" ? run.path : undefined);
  }
  return withWeights(path, (file) => file.metadata['disco.checkpoint'] !== undefined) ? path : undefined;
}

/** A disco run's student encoder (backbone + head) as a teacher folder. */
/** Writes `dir`/teacher.safetensors (the encoder with its head), then its manifest, renamed into place last. */
async function writeTeacherFolder(
  encoder: Encoder,
  dir: string,
  about: Pick<TeacherManifest, 'arch' | 'width' | 'importedFrom' | 'source' | 'dropped' | 'checkpointMetadata'>,
): Promise<{ manifest: TeacherManifest; weights: string; manifestPath: string }> {
  mkdirSync(dir, { recursive: true });
  const weights = join(dir, 'teacher.safetensors');
  await exportModule(encoder, weights, 'safetensors', { arch: about.arch, width: String(about.width), importedFrom: about.importedFrom });
  const manifest: TeacherManifest = {
    arch: about.arch,
    width: about.width,
    featureDim: encoder.backbone.featureDim,
    headHidden: encoder.fc.config.hidden,
    embedDim: encoder.embeddingDim,
    weights: 'teacher.safetensors',
    importedFrom: about.importedFrom,
    source: about.source,
    dropped: about.dropped,
    checkpointMetadata: about.checkpointMetadata,
  };
  const manifestPath = join(dir, TEACHER_MANIFEST);
  const tmp = join(dir, `.${TEACHER_MANIFEST}.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, manifestPath);
  return { manifest, weights, manifestPath };
}

async function importRun(checkpoint: string, outDir: string | undefined, json: boolean): Promise<number> {
  if (!outDir) throw new UsageError('--out is required');
  const loaded = await readCheckpointEncoder(checkpoint, 'student');
  const encoder = loaded.module;
  try {
    const { model, width } = checkpointArchitecture(readCheckpoint(checkpoint));
    const { manifest, weights, manifestPath } = await writeTeacherFolder(encoder, resolve(outDir), {
      arch: model,
      width,
      importedFrom: checkpoint,
      source: 'disco-checkpoint',
      dropped: [],
      checkpointMetadata: { run: loaded.run, mode: loaded.mode, globalStep: String(loaded.position.globalStep) },
    });
    if (json) process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
    else process.stdout.write(`imported the student of run '${loaded.run}' (${model} ×${width}, mode ${loaded.mode}, ${loaded.position.globalStep} steps) from ${checkpoint}: head ${manifest.featureDim}→${manifest.headHidden}→${manifest.embedDim}\nwrote ${weights} and ${manifestPath}\n`);
    return 0;
  } finally {
    encoder.dispose();
  }
}

export const importTeacherCommand: Command = {
  name: 'import-teacher',
  summary: 'convert a PyTorch MoCo-v2/torchvision/SwAV checkpoint into a disco teacher',
  usage: `disco import-teacher <checkpoint | disco run dir> --arch <${MODEL_NAMES.join('|')}> --out <dir> [--width <multiplier>] [--source <${SOURCES.join('|')}>] [--json]`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        out: { type: 'string' },
        width: { type: 'string', default: '1' },
        source: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one checkpoint path, got ${positionals.length}`);
    const fromRun = discoCheckpoint(resolve(positionals[0]));
    if (fromRun) return importRun(fromRun, values.out, values.json ?? false);
    if (!values.arch) throw new UsageError('--arch is required');
    if (!values.out) throw new UsageError('--out is required');
    const width = Number(values.width);
    if (!(width > 0)) throw new UsageError(`--width '${values.width}' must be a positive number`);
    if (values.source && !SOURCES.includes(values.source as SourceFormat)) {
      throw new UsageError(`--source '${values.source}' is not one of ${SOURCES.join(', ')}`);
    }
    await initBackend();
    const checkpoint = resolve(positionals[0]);
    const { module: encoder, report } = importCheckpoint(checkpoint, {
      arch: values.arch,
      width,
      target: 'encoder',
      source: values.source as SourceFormat | undefined,
    });
    try {
      const { manifest, weights, manifestPath } = await writeTeacherFolder(encoder, resolve(values.out), {
        arch: values.arch,
        width,
        importedFrom: checkpoint,
        source: report.source,
        dropped: report.dropped.map((d) => ({ key: d.key, reason: d.reason })),
        checkpointMetadata: report.metadata,
      });
      if (values.json) process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
      else {
        process.stdout.write(
          `imported ${values.arch} (width ${width}) from ${checkpoint} [${report.source}]: ${report.loaded} tensors, ` +
            `head ${manifest.featureDim}→${manifest.headHidden}→${manifest.embedDim}, ${report.dropped.length} keys dropped\n` +
            `wrote ${weights} and ${manifestPath}\n`,
        );
      }
      return 0;
    } finally {
      encoder.dispose();
    }
  },
};
