/**
 * PyTorch's checkpoint format since 1.6: a zip holding `<archive>/data.pkl` (the pickle, see
 * torch_pickle.ts), `<archive>/byteorder` (newer versions) and one entry `<archive>/data/<key>`
 * of raw little-endian bytes per storage. Storages are read, CRC-checked, on demand.
 */
import { ByteSource } from './byte_source.ts';
import { WeightFileError } from './errors.ts';
import { unpickle } from './pickle.ts';
import { DTYPE_BYTES } from './raw_tensor.ts';
import { torchHooks, torchWeightFile, type StorageRef } from './torch_pickle.ts';
import type { WeightFile } from './weight_file.ts';
import { ZipReader } from './zip_reader.ts';

export function openTorchCheckpoint(path: string): WeightFile {
  const src = ByteSource.open(path);
  try {
    const zip = new ZipReader(src);
    const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) throw new WeightFileError(path, `expected one '<archive>/data.pkl' in the zip, found ${pkl.length}`);
    const prefix = pkl[0].slice(0, -'data.pkl'.length);
    const order = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)) : 'little';
    if (order !== 'little') throw new WeightFileError(path, `storages are '${order}'-endian; only little-endian checkpoints are supported`);
    const root = unpickle(zip.read(pkl[0]), path, torchHooks(path));
    const cache = new Map<string, Uint8Array>();
    const storageBytes = (s: StorageRef): Uint8Array => {
      let bytes = cache.get(s.key);
      if (!bytes) {
        bytes = zip.read(`${prefix}data/${s.key}`);
        const want = s.rootNumel * DTYPE_BYTES[s.dtype];
        if (bytes.byteLength !== want) throw new WeightFileError(path, `storage '${s.key}' has ${bytes.byteLength} bytes; ${s.rootNumel} × ${s.dtype} needs ${want}`);
        cache.set(s.key, bytes);
      }
      return bytes;
    };
    return torchWeightFile(path, 'torch-zip', root, storageBytes, () => {
      cache.clear();
      src.close();
    });
  } catch (err) {
    src.close();
    throw err;
  }
}
