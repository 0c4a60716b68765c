/**
 * The pixel kernels (src/wasm/*.c, SIMD128), compiled once per process, and a bump arena in
 * their linear memory. All kernel calls are synchronous, so one arena serves the process:
 * a caller resets it, allocates, calls, copies results out, before anything else runs.
 * Growing memory detaches typed views made before it: callers that keep views across
 * allocations `reserve` first.
 */
import { readFileSync } from 'node:fs';

/** The slice of the WebAssembly JS API used here (tsconfig's libs do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface KernelExports {
  memory: WasmMemory;
  __heap_base: { readonly value: number };
  resize_vertical(src: number, srcStride: number, rowBytes: number, out: number, outRows: number, weights: number, starts: number, counts: number, taps: number): void;
  resize_horizontal(src: number, inStride: number, rows: number, out: number, outWidth: number, pairWeights: number, starts: number, pairs: number): void;
  colour_jitter(px: number, npix: number, ops: number, nops: number, factors: number, greyscale: number, scratch: number): void;
  blur_vertical(src: number, out: number, width: number, rows: number, k: number, radius: number): void;
  blur_horizontal(src: number, out: number, width: number, rows: number, k: number, radius: number, pad: number): void;
}

const WASM_FILE = new URL('./wasm/augment-kernels.wasm', import.meta.url);
const PAGE = 65536;
/** Bytes left free after every allocation: the kernels read/write a little past their buffers. */
const SLACK = 32;

let loaded: KernelExports | undefined;

export function kernels(): KernelExports {
  if (!loaded) {
    const module = new WebAssembly.Module(readFileSync(WASM_FILE));
    loaded = new WebAssembly.Instance(module, {}).exports as KernelExports;
  }
  return loaded;
}

type Typed = Uint8Array | Int16Array | Int32Array | Float32Array;

export class Arena {
  private readonly base: number;
  private top: number;
  /** Set while typed views into memory are held: growing then would detach them silently. */
  pinned = false;

  constructor(private readonly k: KernelExports = kernels()) {
    this.base = Number(k.__heap_base.value + 15) & ~15;
    this.top = this.base;
  }

  /** Frees everything allocated since `mark` (default: everything). */
  reset(mark = this.base): void {
    this.top = mark;
  }

  get mark(): number {
    return this.top;
  }

  /** A 16-byte-aligned block of `bytes` (+ slack); returns its address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + SLACK + 15) & ~15;
    const have = this.k.memory.buffer.byteLength;
    if (this.top > have) {
      if (this.pinned) throw new Error(`kernel memory must grow to ${this.top} bytes while views are held: reserve more first`);
      this.k.memory.grow(Math.ceil((this.top - have) / PAGE));
    }
    return at;
  }

  /** Grows memory now so that `bytes` more can be allocated without growing (views stay valid). */
  reserve(bytes: number): void {
    const need = this.top + bytes;
    const have = this.k.memory.buffer.byteLength;
    if (need > have) this.k.memory.grow(Math.ceil((need - have) / PAGE));
  }

  /** A new block as an Int16Array over kernel memory (its byteOffset is its address). */
  i16(length: number): Int16Array {
    return new Int16Array(this.k.memory.buffer, this.alloc(length * 2), length);
  }

  /** A new block as an Int32Array over kernel memory (its byteOffset is its address). */
  i32(length: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, this.alloc(length * 4), length);
  }

  /** A new block as a Float32Array over kernel memory (its byteOffset is its address). */
  f32(length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, this.alloc(length * 4), length);
  }

  /** Copies `data` into a new block; returns its address. */
  put(data: Typed): number {
    const at = this.alloc(data.byteLength);
    new Uint8Array(this.k.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }

  /** A view of `bytes` at `at` (valid until the next alloc, which may grow memory). */
  bytes(at: number, length: number): Uint8Array {
    return new Uint8Array(this.k.memory.buffer, at, length);
  }
}
