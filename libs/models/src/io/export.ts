/**
 * Export of a student backbone (no projection head) for use outside disco:
 * - `safetensors`: torchvision names and PyTorch layouts, float32, plus a zero
 *   `num_batches_tracked` per BatchNorm so `model.load_state_dict(load_file(path))` is strict-clean
 *   on a torchvision model whose classifier is `nn.Identity()`;
 * - `tfjs`: `model.json` + one `.bin` in the tfjs weights-manifest format, our names and layouts.
 * Both read back with `loadWeights` bit for bit.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Encoder } from '../arch/encoder.ts';
import type { Module } from '../nn/module.ts';
import { toTorchLayout } from './layout.ts';
import { fromFloat32, type RawTensor, type TensorToWrite } from './raw_tensor.ts';
import { writeSafetensors } from './safetensors.ts';
import { TFJS_MODEL_JSON, TFJS_WEIGHTS_BIN, writeTfjsWeights } from './tfjs_weights.ts';

export type ExportFormat = 'safetensors' | 'tfjs';

export interface ExportResult {
  format: ExportFormat;
  /** Files written. */
  files: string[];
  tensors: number;
}

/** Every tensor of `module`, float32 in our layout, in registration order. */
export async function moduleTensors(module: Module): Promise<Map<string, RawTensor & { layout: string }>> {
  const out = new Map<string, RawTensor & { layout: string }>();
  for (const t of module.namedTensors()) {
    const values = (await t.variable.data()) as Float32Array;
    out.set(t.name, { ...fromFloat32(values, t.variable.shape), layout: t.layout });
  }
  return out;
}

/**
 * Writes `backbone` to `path`: a `.safetensors` file, or for `tfjs` a folder (created if
 * needed) holding `model.json` and `group1-shard1of1.bin`. `metadata` (e.g. arch, width,
 * training run) is stored as text in the file.
 */
export async function exportBackbone(backbone: Module, path: string, format: ExportFormat, metadata: Record<string, string> = {}): Promise<ExportResult> {
  if (backbone instanceof Encoder) throw new TypeError(`exportBackbone(${path}): pass encoder.backbone; the projection head is not exported`);
  return exportModule(backbone, path, format, metadata);
}

/**
 * Writes any module (e.g. a whole teacher `Encoder`, names `backbone.*` + `fc.*`) the way
 * `exportBackbone` writes a backbone; `importCheckpoint` reads it back with source `disco`.
 */
export async function exportModule(module: Module, path: string, format: ExportFormat, metadata: Record<string, string> = {}): Promise<ExportResult> {
  const backbone = module;
  const tensors = await moduleTensors(backbone);
  if (format === 'tfjs') {
    mkdirSync(path, { recursive: true });
    const layouts = Object.fromEntries([...tensors].map(([n, t]) => [n, t.layout]));
    writeTfjsWeights(path, tensors, { ...metadata, disco: { layouts } });
    return { format, files: [join(path, TFJS_MODEL_JSON), join(path, TFJS_WEIGHTS_BIN)], tensors: tensors.size };
  }
  const torch = new Map<string, TensorToWrite>();
  for (const t of backbone.namedTensors()) {
    torch.set(t.name, toTorchLayout(tensors.get(t.name)!, t.layout));
    if (t.name.endsWith('.running_var')) {
      torch.set(t.name.replace(/running_var$/, 'num_batches_tracked'), { dtype: 'I64', shape: [], data: new BigInt64Array(1) });
    }
  }
  writeSafetensors(path, torch, { format: 'pt', ...metadata });
  return { format, files: [path], tensors: torch.size };
}
