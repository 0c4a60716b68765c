/**
 * What `torch.save` pickles, shared by the zip (PyTorch ≥ 1.6) and legacy (< 1.6) readers:
 * tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` and storages
 * persistent ids `('storage', torch.FloatStorage, key, location, numel[, view_metadata])`.
 * A MoCo-v2 release checkpoint is `{epoch, arch, state_dict, optimizer}`: the state dict is
 * `state_dict`, scalars become metadata, everything else is parsed and listed as ignored.
 */
import { WeightFileError } from './errors.ts';
import { PyGlobal, type UnpickleHooks } from './pickle.ts';
import { DTYPE_BYTES, contiguousStrides, gatherStrided, numel, type DType, type RawTensor } from './raw_tensor.ts';
import type { TensorEntry, WeightFile, WeightFormat } from './weight_file.ts';

const STORAGE_DTYPES: Record<string, DType> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  UntypedStorage: 'U8',
};

/** A storage as the pickle names it; `base`/`numel` select a legacy storage view (else 0/rootNumel). */
export interface StorageRef {
  key: string;
  dtype: DType;
  /** Elements of the stored record. */
  rootNumel: number;
  /** First element of this (view of the) storage within the record. */
  base: number;
  numel: number;
}

/** A tensor as the pickle describes it: a strided view of a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export function torchHooks(path: string): UnpickleHooks {
  const fail = (reason: string): never => {
    throw new WeightFileError(path, reason);
  };
  const rebuild = (args: unknown[]): TorchTensorRef => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof Object) || !('key' in storage)) fail('a tensor is not backed by a storage');
    if (!isIntList(size) || !isIntList(stride) || size.length !== stride.length || !Number.isSafeInteger(offset)) {
      fail(`a tensor has an invalid size/stride/offset (${show([size, stride, offset])})`);
    }
    return new TorchTensorRef(storage as StorageRef, offset as number, size as number[], stride as number[]);
  };
  const hooks: UnpickleHooks = {
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) return fail(`unsupported persistent id ${show(pid)}`);
      const [, type, key, , count, view] = pid;
      const dtype = type instanceof PyGlobal ? STORAGE_DTYPES[type.name] : undefined;
      if (!dtype) return fail(`unsupported storage type ${type instanceof PyGlobal ? type.qualname : String(type)}`);
      if (typeof key !== 'string' || !Number.isSafeInteger(count)) return fail(`invalid storage id ${show([key, count])}`);
      const ref: StorageRef = { key, dtype, rootNumel: count as number, base: 0, numel: count as number };
      if (view === undefined || view === null) return ref;
      // Legacy storage view: (view_key, element offset, element count).
      if (!Array.isArray(view) || !isIntList(view.slice(1)) || view[1] + view[2] > ref.rootNumel) return fail(`invalid storage view ${show(view)}`);
      return { ...ref, base: view[1], numel: view[2] };
    },
    call(fn, args) {
      switch (fn.qualname) {
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor':
          return rebuild(args);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          return args[0];
        case 'torch._tensor._rebuild_from_type_v2':
          return args[0] instanceof PyGlobal && Array.isArray(args[2]) ? hooks.call(args[0], args[2]) : undefined;
        case 'collections.OrderedDict':
          return new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []);
        case '_codecs.encode':
          return typeof args[0] === 'string' ? Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff) : undefined;
        default:
          return undefined;
      }
    },
  };
  return hooks;
}

/** A pickled value for an error message: never throws (big ints, cycles), at most 200 characters. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}` : v instanceof PyGlobal ? v.qualname : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * A WeightFile over an unpickled checkpoint `root`; `storageBytes` returns a storage record's
 * bytes (rootNumel elements), checked by the caller's format.
 */
export function torchWeightFile(path: string, format: WeightFormat, root: unknown, storageBytes: (s: StorageRef) => Uint8Array, close: () => void): WeightFile {
  const { stateDict, metadata, ignored } = splitCheckpoint(root, path);
  const tensors = new Map<string, TensorEntry>();
  for (const [name, ref] of stateDict) {
    checkView(ref, name, path);
    const read = (): RawTensor => {
      try {
        return readView(ref, storageBytes(ref.storage));
      } catch (err) {
        if (err instanceof WeightFileError) throw new WeightFileError(path, `tensor '${name}': ${err.reason}`);
        throw err;
      }
    };
    tensors.set(name, { name, dtype: ref.storage.dtype, shape: [...ref.shape], read });
  }
  return { path, format, tensors, metadata, ignored, close };
}

/** Picks the state dict out of a checkpoint: `state_dict` if present, else the root dict. */
function splitCheckpoint(root: unknown, path: string): { stateDict: Map<string, TorchTensorRef>; metadata: Record<string, string>; ignored: string[] } {
  if (!(root instanceof Map)) throw new WeightFileError(path, 'the checkpoint is not a dict');
  const metadata: Record<string, string> = {};
  const ignored: string[] = [];
  let dict: Map<unknown, unknown> = root;
  if (root.get('state_dict') instanceof Map) {
    dict = root.get('state_dict') as Map<unknown, unknown>;
    for (const [k, v] of root) {
      if (k === 'state_dict') continue;
      if (['string', 'number', 'boolean', 'bigint'].includes(typeof v)) metadata[String(k)] = String(v);
      else ignored.push(String(k));
    }
  }
  const stateDict = new Map<string, TorchTensorRef>();
  const notTensors: string[] = [];
  for (const [k, v] of dict) {
    if (typeof k === 'string' && v instanceof TorchTensorRef) stateDict.set(k, v);
    else notTensors.push(String(k));
  }
  if (notTensors.length) {
    const where = dict === root ? 'the checkpoint (no state_dict entry)' : 'state_dict';
    throw new WeightFileError(path, `${where} holds entries that are not dense tensors: ${notTensors.join(', ')}`);
  }
  return { stateDict, metadata, ignored };
}

/** Checks that a view lies inside its storage (before anything is read). */
function checkView(ref: TorchTensorRef, name: string, path: string): void {
  if (numel(ref.shape) === 0) return;
  const last = ref.offset + ref.shape.reduce((acc, d, i) => acc + (d - 1) * ref.stride[i], 0);
  if (last >= ref.storage.numel) {
    throw new WeightFileError(
      path,
      `tensor '${name}' [${ref.shape}] (offset ${ref.offset}, stride [${ref.stride}]) reaches element ${last} of storage '${ref.storage.key}', which has ${ref.storage.numel}`,
    );
  }
}

/** Copies a (possibly strided) view out of its storage record into C order. */
function readView(ref: TorchTensorRef, record: Uint8Array): RawTensor {
  const { dtype, base } = ref.storage;
  const es = DTYPE_BYTES[dtype];
  const start = base + ref.offset;
  const n = numel(ref.shape);
  const strides = contiguousStrides(ref.shape);
  const contiguous = ref.shape.every((d, i) => d === 1 || ref.stride[i] === strides[i]);
  const data = contiguous ? record.slice(start * es, (start + n) * es) : gatherStrided(record, es, start, ref.shape, ref.stride);
  return { dtype, shape: [...ref.shape], data };
}
