/**
 * A tensor as bytes: dtype, shape and C-contiguous little-endian data. This is what every
 * reader produces and every writer consumes; conversion to float32 happens in one place.
 */
import { endianness } from 'node:os';

/** Element types, spelled as safetensors spells them. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isDType(s: string): s is DType {
  return Object.hasOwn(DTYPE_BYTES, s);
}

export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** numel × DTYPE_BYTES[dtype] bytes, C order, little-endian. */
  data: Uint8Array;
}

/** What writers accept: the bytes may be any typed array whose elements match `dtype`. */
export interface TensorToWrite {
  dtype: DType;
  shape: readonly number[];
  data: ArrayBufferView;
}

if (endianness() !== 'LE') throw new Error('disco weight I/O assumes a little-endian machine');

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The bytes of a typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Decodes an IEEE half to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Converts any dtype to float32 (exact for F32/F16/BF16 and small integers). */
export function toFloat32(t: RawTensor): Float32Array {
  const n = numel(t.shape);
  const expected = n * DTYPE_BYTES[t.dtype];
  if (t.data.byteLength !== expected) {
    throw new RangeError(`tensor of shape [${t.shape}] ${t.dtype} needs ${expected} bytes, got ${t.data.byteLength}`);
  }
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'F32':
      out.set(t.data.byteOffset % 4 === 0 ? new Float32Array(t.data.buffer, t.data.byteOffset, n) : new Float32Array(t.data.slice().buffer));
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = dv.getUint16(2 * i, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(i);
      break;
  }
  return out;
}

/** A float32 RawTensor over `values` (no copy). */
export function fromFloat32(values: Float32Array, shape: readonly number[]): RawTensor {
  if (values.length !== numel(shape)) throw new RangeError(`${values.length} values do not fill shape [${shape}]`);
  return { dtype: 'F32', shape: [...shape], data: bytesOf(values) };
}

/**
 * Reorders a C-contiguous tensor's axes: output axis i is input axis `perm[i]` (numpy's
 * `transpose`). Copies raw elements, so it never changes a bit.
 */
export function permute(t: RawTensor, perm: readonly number[]): RawTensor {
  const rank = t.shape.length;
  if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new RangeError(`permutation [${perm}] does not fit rank ${rank}`);
  }
  const strides = contiguousStrides(t.shape);
  const shape = perm.map((p) => t.shape[p]);
  return { dtype: t.dtype, shape, data: gatherStrided(t.data, DTYPE_BYTES[t.dtype], 0, shape, perm.map((p) => strides[p])) };
}

/** Element strides of a C-contiguous tensor of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Copies the elements of a strided view (element `offset`, `shape`, element `stride`, as in
 * PyTorch) out of `storage` into C order. The caller checks that the view fits the storage.
 */
export function gatherStrided(storage: Uint8Array, elemBytes: number, offset: number, shape: readonly number[], stride: readonly number[]): Uint8Array {
  const n = numel(shape);
  const outBytes = new Uint8Array(n * elemBytes);
  if (n === 0) return outBytes;
  // Copy whole words (4, 2 or 1 bytes; k words per element): bit-exact, and fast for float32.
  const word = elemBytes % 4 === 0 ? 4 : elemBytes % 2 === 0 ? 2 : 1;
  const k = elemBytes / word;
  const src = words(storage.byteOffset % word === 0 && storage.byteLength % word === 0 ? storage : storage.slice(), word);
  const dst = words(outBytes, word);
  // Rows along the last axis are copied in a tight loop; the outer axes advance like an odometer.
  const rank = shape.length;
  const rowLen = rank ? shape[rank - 1] : 1;
  const rowStep = rank ? stride[rank - 1] * k : 0;
  const outer = shape.slice(0, -1);
  const outerStride = stride.slice(0, -1).map((st) => st * k);
  const idx = new Array<number>(outer.length).fill(0);
  let rowStart = offset * k;
  for (let o = 0; o < n * k; ) {
    if (k === 1) {
      for (let j = 0, s = rowStart; j < rowLen; j++, s += rowStep) dst[o++] = src[s];
    } else {
      for (let j = 0, s = rowStart; j < rowLen; j++, s += rowStep) for (let w = 0; w < k; w++) dst[o++] = src[s + w];
    }
    for (let a = outer.length - 1; a >= 0; a--) {
      idx[a]++;
      rowStart += outerStride[a];
      if (idx[a] < outer[a]) break;
      rowStart -= outerStride[a] * outer[a];
      idx[a] = 0;
    }
  }
  return outBytes;
}

/** `bytes` as 4-, 2- or 1-byte words (its offset and length must be multiples of `word`). */
function words(bytes: Uint8Array, word: number): Uint8Array | Uint16Array | Uint32Array {
  if (word === 4) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (word === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return bytes;
}
