/**
 * The wasm heap stops at 4 GB (32-bit WebAssembly memory; emscripten's maximum is 4 GiB − 64 KiB).
 * Near it, tfjs-backend-wasm 4.22 fails badly, measured here:
 * - `_malloc` returns 0 and the backend writes the tensor at address 0 — silent heap corruption,
 *   then `memory access out of bounds`;
 * - a request of ≥ 4 GiB wraps modulo 2³² into a small block that is then overrun;
 * - the allocator's break pointer has no overflow check: a request the top of the heap cannot
 *   hold, once the heap has grown near 4 GiB, "succeeds" with a block that ends past 2³²
 *   (1.5 GiB handed out at 3.0 GiB), leaving the allocator corrupt.
 *
 * `guardWasmHeap` therefore (1) caps the heap's growth at `WASM_HEAP_CAP_BYTES`, so every request
 * below 2³² − cap can never wrap; (2) refuses a larger request unless it fits below 2³² from the
 * current heap size; (3) turns a 0 from `_malloc` into an error; (4) keeps `reserveBytes` free
 * after each tensor for the C++ side's own scratch (XNNPACK packs weights and builds indirection
 * buffers outside tfjs's accounting; a failure there aborts the instance). Each refusal throws a
 * `WasmMemoryError` before anything is written, so the process and the backend carry on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isWasmBackend, type WasmBackend } from './wasm/wasm_backend.ts';

/**
 * Where the guard stops the heap growing: 3.75 GiB, 256 MiB short of the 32-bit wrap (emscripten's
 * own maximum in tfjs-backend-wasm 4.22 is `getHeapMax()` = 4 GiB − 64 KiB).
 */
export const WASM_HEAP_CAP_BYTES = 3.75 * 2 ** 30;

/** Headroom kept free for the C++ side's own allocations (default of `guardWasmHeap`). */
export const DEFAULT_HEAP_RESERVE_BYTES = 64 * 2 ** 20;

/** Slack for the allocator's own rounding and headers when checking a request against 2³². */
const ALLOCATOR_SLACK_BYTES = 16 * 2 ** 20;

export class WasmMemoryError extends Error {
  override name = 'WasmMemoryError';
  constructor(
    /** Bytes asked for. */
    readonly requestedBytes: number,
    /** Bytes held by live tensors when it failed (`tf.memory().numBytes`). */
    readonly tensorBytes: number,
    what = 'a tensor',
  ) {
    super(
      `wasm heap exhausted: cannot allocate ${size(requestedBytes)} for ${what} ` +
        `(live tensors hold ${size(tensorBytes)}; WebAssembly memory stops at the 4 GB limit, and disco ` +
        `caps the heap at ${size(WASM_HEAP_CAP_BYTES)}). Use a smaller batch (or micro-batches), ` +
        `a smaller model or a smaller image size.`,
    );
  }
}

function size(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

type Malloc = (bytes: number) => number;
/** The parts of a `WebAssembly.Memory` the guard touches. */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface GuardState {
  raw: Malloc;
  reserveBytes: number;
}
const guarded = new WeakMap<object, GuardState>();

/**
 * Installs the guard on a wasm backend (idempotent; a later call only changes the reserve).
 * Throws a TypeError for a backend that is not tfjs-backend-wasm's.
 */
export function guardWasmHeap(backend: unknown, reserveBytes = DEFAULT_HEAP_RESERVE_BYTES): void {
  if (!isWasmBackend(backend)) throw new TypeError('guardWasmHeap: not a tfjs-backend-wasm backend');
  const wasm = backend.wasm;
  const state = guarded.get(wasm);
  if (state) {
    state.reserveBytes = reserveBytes;
    return;
  }
  // emscripten's `Module._malloc` replaces itself with the raw export on first call, which would
  // drop a wrapper installed over it: wrap the raw export.
  const asm = (wasm as unknown as { asm?: { malloc?: Malloc; memory?: WasmMemory } }).asm;
  const raw: Malloc = asm?.malloc ?? wasm._malloc.bind(wasm);
  capGrowth(asm?.memory);
  const s: GuardState = { raw, reserveBytes };
  guarded.set(wasm, s);
  wasm._malloc = (bytes: number): number => allocate(wasm, s, bytes);
}

/** Whether `guardWasmHeap` is installed on this backend. */
export function isWasmHeapGuarded(backend: unknown): boolean {
  return isWasmBackend(backend) && guarded.has(backend.wasm);
}

/** Makes `memory.grow` past the cap throw; emscripten then reports the allocation as failed. */
function capGrowth(memory: WasmMemory | undefined): void {
  if (!memory) return;
  const grow = (Object.getPrototypeOf(memory) as WasmMemory).grow;
  Object.defineProperty(memory, 'grow', {
    configurable: true,
    value(this: WasmMemory, pages: number): number {
      if (this.buffer.byteLength + pages * 65_536 > WASM_HEAP_CAP_BYTES) {
        throw new RangeError(`disco caps the wasm heap at ${size(WASM_HEAP_CAP_BYTES)}`);
      }
      return grow.call(this, pages);
    },
  });
}

function allocate(wasm: WasmBackend['wasm'], s: GuardState, bytes: number): number {
  const p = safeMalloc(wasm, s.raw, bytes);
  if (p === 0 && bytes > 0) throw new WasmMemoryError(bytes, tf.memory().numBytes);
  // While the heap can still grow by the reserve, the reserve is there: probe only near the cap
  // (a probe costs ~20–50 µs, too much for every allocation of a training step).
  const nearCap = wasm.HEAPU8.length + s.reserveBytes + ALLOCATOR_SLACK_BYTES > WASM_HEAP_CAP_BYTES;
  if (s.reserveBytes > 0 && bytes > 0 && nearCap) {
    const probe = safeMalloc(wasm, s.raw, s.reserveBytes);
    if (probe === 0) {
      wasm._free(p);
      throw new WasmMemoryError(bytes, tf.memory().numBytes, `a tensor (keeping ${size(s.reserveBytes)} free for kernels)`);
    }
    wasm._free(probe);
  }
  return p;
}

/** `malloc`, or 0 where calling it could wrap the allocator past 2³² (see the file comment). */
function safeMalloc(wasm: WasmBackend['wasm'], raw: Malloc, bytes: number): number {
  if (wasm.HEAPU8.length + bytes + ALLOCATOR_SLACK_BYTES >= 2 ** 32) return 0;
  const p = raw(bytes) >>> 0;
  if (p !== 0 && p + bytes > wasm.HEAPU8.length) {
    wasm._free(p); // cannot happen under the cap; never hand out memory the heap does not have
    return 0;
  }
  return p;
}

/**
 * Checks that `bytes` more can be allocated on the wasm heap right now (for scratch the C++
 * side allocates itself, e.g. the packed weights of a convolution with a large filter), and
 * throws a `WasmMemoryError` naming `what` if not. A no-op on other backends.
 */
export function ensureWasmHeadroom(backend: unknown, bytes: number, what: string): void {
  if (!isWasmBackend(backend) || bytes <= 0) return;
  const s = guarded.get(backend.wasm);
  const raw: Malloc = s?.raw ?? backend.wasm._malloc.bind(backend.wasm);
  const p = safeMalloc(backend.wasm, raw, bytes + (s?.reserveBytes ?? 0));
  if (p === 0) throw new WasmMemoryError(bytes, tf.memory().numBytes, `scratch of ${what}`);
  backend.wasm._free(p);
}
