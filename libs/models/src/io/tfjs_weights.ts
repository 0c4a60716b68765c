/**
 * The tfjs weights format: `model.json` whose `weightsManifest` lists groups of weights
 * `{name, shape, dtype}` stored back to back (little-endian) in the group's `.bin` files.
 * Our files are weights-only (no `modelTopology`): load them with `openTfjsWeights`, or with
 * tfjs itself (`tf.io.decodeWeights(bin, manifest[0].weights)`).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WeightFileError } from './errors.ts';
import { DTYPE_BYTES, numel, type DType, type TensorToWrite } from './raw_tensor.ts';
import { writeFileAtomic } from './safetensors.ts';
import type { TensorEntry, WeightFile } from './weight_file.ts';

type TfjsDType = 'float32' | 'int32' | 'bool';
const TO_TFJS: Partial<Record<DType, TfjsDType>> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };
const FROM_TFJS: Record<TfjsDType, DType> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

export const TFJS_MODEL_JSON = 'model.json';
export const TFJS_WEIGHTS_BIN = 'group1-shard1of1.bin';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: TfjsDType;
}

/**
 * Writes `dir/model.json` and `dir/group1-shard1of1.bin` (float32, int32 or bool tensors),
 * each atomically; the `.bin` goes first so a `model.json` never points at a missing file.
 */
export function writeTfjsWeights(dir: string, tensors: ReadonlyMap<string, TensorToWrite>, userDefinedMetadata: Record<string, unknown> = {}): void {
  const weights: ManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const dtype = TO_TFJS[t.dtype];
    if (!dtype) throw new RangeError(`${dir}: tensor '${name}' has dtype ${t.dtype}; tfjs weights hold float32, int32 or bool`);
    const want = numel(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== want) throw new RangeError(`${dir}: tensor '${name}' [${t.shape}] needs ${want} bytes, got ${t.data.byteLength}`);
    weights.push({ name, shape: [...t.shape], dtype });
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  writeFileAtomic(join(dir, TFJS_WEIGHTS_BIN), chunks);
  const modelJson = {
    format: 'disco-weights',
    generatedBy: 'disco',
    convertedBy: null,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_BIN], weights }],
    userDefinedMetadata,
  };
  writeFileAtomic(join(dir, TFJS_MODEL_JSON), [Buffer.from(`${JSON.stringify(modelJson, null, 1)}\n`)]);
}

/** Opens a tfjs weights manifest: `path` is the `model.json` or the folder holding it. */
export function openTfjsWeights(path: string): WeightFile {
  const jsonPath = isDir(path) ? join(path, TFJS_MODEL_JSON) : path;
  const fail = (reason: string): never => {
    throw new WeightFileError(jsonPath, reason);
  };
  let json: { weightsManifest?: unknown; userDefinedMetadata?: unknown };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf-8'));
  } catch (err) {
    return fail(`not a readable tfjs model.json: ${(err as Error).message}`);
  }
  if (!Array.isArray(json.weightsManifest)) fail('has no weightsManifest array');
  const tensors = new Map<string, TensorEntry>();
  for (const [g, group] of (json.weightsManifest as { paths?: unknown; weights?: unknown }[]).entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) fail(`weightsManifest[${g}] needs 'paths' and 'weights' arrays`);
    const bytes = Buffer.concat((group.paths as unknown[]).map((p, i) => readBin(weightsPath(jsonPath, p, `weightsManifest[${g}].paths[${i}]`))));
    let offset = 0;
    for (const w of group.weights as (ManifestEntry & { quantization?: unknown })[]) {
      const dtype = FROM_TFJS[w.dtype];
      if (typeof w.name !== 'string' || !dtype) fail(`weight ${JSON.stringify(w.name)} has unsupported dtype ${JSON.stringify(w.dtype)}`);
      if (w.quantization) fail(`weight '${w.name}' is quantized; disco reads unquantized weights only`);
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`weight '${w.name}' has invalid shape ${JSON.stringify(w.shape)}`);
      if (tensors.has(w.name)) fail(`weight '${w.name}' appears twice`);
      const size = numel(w.shape) * DTYPE_BYTES[dtype];
      if (offset + size > bytes.length) {
        fail(`truncated or corrupt: weight '${w.name}' needs bytes [${offset}, ${offset + size}) of group ${g} but its files hold ${bytes.length}`);
      }
      const data = new Uint8Array(bytes.subarray(offset, offset + size));
      const shape = [...w.shape];
      tensors.set(w.name, { name: w.name, dtype, shape, read: () => ({ dtype, shape: [...shape], data: data.slice() }) });
      offset += size;
    }
    if (offset !== bytes.length) fail(`group ${g}'s files hold ${bytes.length} bytes but its weights use ${offset}`);
  }
  const metadata: Record<string, string> = {};
  const udm = json.userDefinedMetadata;
  if (udm && typeof udm === 'object') for (const [k, v] of Object.entries(udm)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { path: jsonPath, format: 'tfjs', tensors, metadata, ignored: [], close: () => undefined };
}

/**
 * A manifest's weight file, which must lie inside the model's folder: an absolute path, a
 * `..` that climbs out, or anything but a plain relative name is refused.
 */
function weightsPath(jsonPath: string, p: unknown, field: string): string {
  const fail = (reason: string): never => {
    throw new WeightFileError(jsonPath, `${field} ${reason}`);
  };
  if (typeof p !== 'string' || p === '') return fail(`is not a file name: ${JSON.stringify(p)}`);
  if (p.includes('\0') || isAbsolute(p)) return fail(`'${p}' is not a relative path inside the model folder`);
  const dir = resolve(dirname(jsonPath));
  const rel = relative(dir, resolve(dir, p));
  if (rel === '') return fail(`'${p}' names the model folder itself, not a weights file`);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return fail(`'${p}' escapes the model folder ${dir}`);
  return join(dir, rel);
}

/** Reads a weights file; only regular files (never a device, a pipe or a folder). */
function readBin(path: string): Buffer {
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    return readFileSync(path);
  } catch (err) {
    throw new WeightFileError(path, `cannot read weights file: ${(err as Error).message}`);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
