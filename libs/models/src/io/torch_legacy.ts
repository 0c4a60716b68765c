/**
 * PyTorch's legacy checkpoint format (`torch.save` before 1.6, or with
 * `_use_new_zipfile_serialization=False`), which older releases such as MoCo's may use: five
 * pickles back to back — magic number, protocol version 1001, system info, the object (storages
 * as persistent ids), the sorted list of storage keys — then each storage in that order as an
 * int64 element count followed by its raw bytes.
 */
import { ByteSource } from './byte_source.ts';
import { WeightFileError } from './errors.ts';
import { PickleTruncatedError, unpickleAt, type UnpickleHooks } from './pickle.ts';
import { DTYPE_BYTES } from './raw_tensor.ts';
import { torchHooks, torchWeightFile, type StorageRef } from './torch_pickle.ts';
import type { WeightFile } from './weight_file.ts';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

export function openLegacyTorchCheckpoint(path: string): WeightFile {
  const src = ByteSource.open(path);
  try {
    const { root, keys, storages, dataStart } = readPickles(src);
    // Locate every storage record by walking the int64 counts (the data itself is read lazily).
    const records = new Map<string, number>();
    let at = dataStart;
    for (const key of keys) {
      const s = storages.get(key);
      if (!s) throw new WeightFileError(path, `storage '${key}' is listed but no tensor uses it`);
      const count = Number(new DataView(src.read(at, 8, `size of storage '${key}'`).buffer).getBigInt64(0, true));
      if (count !== s.rootNumel) throw new WeightFileError(path, `storage '${key}' holds ${count} elements; the pickle says ${s.rootNumel}`);
      records.set(key, at + 8);
      at += 8 + count * DTYPE_BYTES[s.dtype];
    }
    if (at > src.size) throw new WeightFileError(path, `truncated or corrupt: the storages need ${at} bytes but the file has ${src.size}`);
    const storageBytes = (s: StorageRef): Uint8Array => {
      const start = records.get(s.key);
      if (start === undefined) throw new WeightFileError(path, `storage '${s.key}' is not in the file's storage list`);
      return src.read(start, s.rootNumel * DTYPE_BYTES[s.dtype], `storage '${s.key}'`);
    };
    return torchWeightFile(path, 'torch-legacy', root, storageBytes, () => src.close());
  } catch (err) {
    src.close();
    throw err;
  }
}

interface LegacyPickles {
  root: unknown;
  keys: string[];
  storages: Map<string, StorageRef>;
  dataStart: number;
}

/** Parses the five pickles from a growing window at the start of the file. */
function readPickles(src: ByteSource): LegacyPickles {
  for (let window = Math.min(src.size, 1 << 20); ; window = Math.min(src.size, window * 4)) {
    try {
      return parsePickles(src.read(0, window, 'pickles'), src.path);
    } catch (err) {
      if (!(err instanceof PickleTruncatedError) || window === src.size) throw err;
    }
  }
}

function parsePickles(bytes: Uint8Array, path: string): LegacyPickles {
  const plain: UnpickleHooks = { persistentLoad: () => undefined, call: () => undefined };
  const magic = unpickleAt(bytes, 0, path, plain);
  if (magic.value !== MAGIC) throw new WeightFileError(path, 'not a legacy PyTorch checkpoint (wrong magic number)');
  const version = unpickleAt(bytes, magic.end, path, plain);
  if (version.value !== PROTOCOL_VERSION) throw new WeightFileError(path, `legacy protocol version ${String(version.value)} is not ${PROTOCOL_VERSION}`);
  const info = unpickleAt(bytes, version.end, path, plain);
  if (!(info.value instanceof Map) || info.value.get('little_endian') !== true) {
    throw new WeightFileError(path, 'written on a big-endian machine; only little-endian checkpoints are supported');
  }
  const storages = new Map<string, StorageRef>();
  const hooks = torchHooks(path);
  const record: UnpickleHooks = {
    ...hooks,
    persistentLoad(pid) {
      const s = hooks.persistentLoad(pid) as StorageRef;
      storages.set(s.key, { ...s, base: 0, numel: s.rootNumel });
      return s;
    },
  };
  const main = unpickleAt(bytes, info.end, path, record);
  const keys = unpickleAt(bytes, main.end, path, plain);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new WeightFileError(path, 'the storage key list is corrupt');
  return { root: main.value, keys: keys.value as string[], storages, dataStart: keys.end };
}
