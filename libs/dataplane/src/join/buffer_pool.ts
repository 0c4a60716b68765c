/**
 * Reusable view buffers for the trainer's join. A 224-px batch of 256 holds two 38 MB views;
 * allocating them fresh for every batch costs page faults (the kernel zeroes each new page) and
 * garbage-collector work on the trainer's main thread, the one that also receives every byte.
 * Buffers come back once the consumer is done with a batch (`give`) and are handed out again
 * for the next batch of the same size. Bounded: at most `maxPerSize` idle buffers per size.
 */
/** The ArrayBuffer a view spans whole (offset 0, full length), or undefined for a slice of a larger one. */
export function wholeBuffer(view: ArrayBufferView): ArrayBuffer | undefined {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer ? view.buffer : undefined;
}

export class BufferPool {
  private readonly idle = new Map<number, ArrayBuffer[]>();
  /** Buffers handed out that were reused rather than allocated (for tests and metrics). */
  reused = 0;
  allocated = 0;

  constructor(private readonly maxPerSize: number) {}

  /** A buffer of exactly `bytes` bytes, contents undefined. */
  take(bytes: number): Buffer {
    const stack = this.idle.get(bytes);
    const buffer = stack?.pop();
    if (buffer) {
      this.reused++;
      return Buffer.from(buffer, 0, bytes);
    }
    this.allocated++;
    return Buffer.from(new ArrayBuffer(bytes)); // its own ArrayBuffer (never a slice of Node's pool): movable to a worker, reusable
  }

  /**
   * Returns a buffer nobody uses any more. Only whole, unshared ArrayBuffers are kept (a view
   * into a larger buffer, e.g. Node's small-buffer pool, is left to the garbage collector).
   */
  give(buffer: ArrayBuffer | Uint8Array): void {
    const whole = buffer instanceof ArrayBuffer ? buffer : wholeBuffer(buffer);
    if (!whole || whole.byteLength === 0) return;
    const stack = this.idle.get(whole.byteLength) ?? [];
    if (stack.length >= this.maxPerSize || stack.includes(whole)) return;
    stack.push(whole);
    this.idle.set(whole.byteLength, stack);
  }

  /** Idle buffers held, all sizes. */
  get size(): number {
    let n = 0;
    for (const s of this.idle.values()) n += s.length;
    return n;
  }
}
