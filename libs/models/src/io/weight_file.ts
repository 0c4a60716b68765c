/** The common shape of an opened weight file, whatever its format. */
import type { DType, RawTensor } from './raw_tensor.ts';

export type WeightFormat = 'safetensors' | 'torch-zip' | 'torch-legacy' | 'tfjs';

/** One tensor of a file: its header now, its bytes on `read()`. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Reads and checks the bytes (C-contiguous, little-endian). */
  read(): RawTensor;
}

export interface WeightFile {
  path: string;
  format: WeightFormat;
  /** The tensors, in file order. For a torch checkpoint: the state dict (`state_dict` if present). */
  tensors: ReadonlyMap<string, TensorEntry>;
  /**
   * Text facts about the file: safetensors `__metadata__`, tfjs `userDefinedMetadata` strings,
   * and a torch checkpoint's scalar top-level entries (`epoch`, `arch`).
   */
  metadata: Record<string, string>;
  /** Top-level entries parsed but not used (a torch checkpoint's `optimizer`, …). */
  ignored: string[];
  close(): void;
}
