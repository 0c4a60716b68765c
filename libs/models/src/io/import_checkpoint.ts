/**
 * The one-call import used by `disco import-teacher`: builds the named architecture from the
 * registry and loads a checkpoint into it (strictly; see load_weights.ts). For an encoder the
 * projection head's sizes are read from the checkpoint (`fc.0.weight`, `fc.2.weight`).
 */
import { Encoder, type Backbone } from '../arch/encoder.ts';
import { ProjectionHead } from '../arch/projection_head.ts';
import { createBackbone } from '../registry.ts';
import { WeightFileError } from './errors.ts';
import { loadFromFile, type ImportReport } from './load_weights.ts';
import { detectSource, mapNames, type ImportTarget, type SourceFormat } from './name_map.ts';
import { withWeights } from './open_weights.ts';
import type { WeightFile } from './weight_file.ts';

export interface ImportCheckpointOptions<T extends ImportTarget> {
  /** Registry name, e.g. `resnet50` (see `listModels()`). */
  arch: string;
  /** Width multiplier of the architecture (default 1, the published model). */
  width?: number;
  /** `encoder`: backbone + projection head (a MoCo teacher); `backbone`: features only. */
  target: T;
  /** Key naming of the file; detected from the keys when absent. */
  source?: SourceFormat;
}

export interface ImportedModel<T extends ImportTarget> {
  module: T extends 'encoder' ? Encoder : Backbone;
  report: ImportReport;
}

/**
 * Builds `arch` and loads `path` (PyTorch zip checkpoint, safetensors or tfjs manifest) into
 * it. Throws `WeightFileError` for unreadable files and `CheckpointKeyError` (listing every
 * unknown, missing or wrong-shape key) when the checkpoint does not fit the architecture.
 */
export function importCheckpoint<T extends ImportTarget>(path: string, options: ImportCheckpointOptions<T>): ImportedModel<T> {
  return withWeights(path, (file) => {
    const backbone = createBackbone(options.arch, { width: options.width ?? 1, seed: 0 });
    let module: Encoder | Backbone = backbone;
    try {
      if (options.target === 'encoder') module = new Encoder(backbone, headFor(file, backbone, options.source));
      const report = loadFromFile(module, file, { target: options.target, source: options.source });
      return { module: module as ImportedModel<T>['module'], report };
    } catch (err) {
      module.dispose();
      throw err;
    }
  });
}

/** A projection head sized like the checkpoint's `fc.0` / `fc.2`. */
function headFor(file: WeightFile, backbone: Backbone, source: SourceFormat | undefined): ProjectionHead {
  const keys = [...file.tensors.keys()];
  const ours = new Set(backbone.namedTensors().map((t) => `backbone.${t.name}`));
  const names = mapNames(keys, source ?? detectSource(keys), 'encoder', (n) => ours.has(n));
  const shapeOf = (target: string): number[] | undefined => {
    const key = [...names.mapped].find(([, t]) => t === target)?.[0];
    return key === undefined ? undefined : file.tensors.get(key)!.shape;
  };
  const w0 = shapeOf('fc.0.weight');
  const w2 = shapeOf('fc.2.weight');
  if (!w0 || !w2 || w0.length !== 2 || w2.length !== 2) {
    throw new WeightFileError(file.path, "has no MLP projection head (fc.0.weight, fc.2.weight); import it with target 'backbone'");
  }
  // PyTorch layout [out, in]; tfjs files are ours, [in, out].
  const [hidden, out] = file.format === 'tfjs' ? [w0[1], w2[1]] : [w0[0], w2[0]];
  return new ProjectionHead({ inFeatures: backbone.featureDim, hidden, outFeatures: out, seed: 0 });
}
