/**
 * The 'native' tfjs backend: tfjs-backend-cpu's backend (tensors are JavaScript TypedArrays),
 * whose hot kernels call libtorch through the addon. Every kernel it does not replace is the
 * cpu backend's own, so anything tfjs can do on cpu works here.
 *
 * Memory: a native kernel's result is libtorch memory lent to JavaScript as a Float32Array.
 * The garbage collector does not see its size, so waiting for it would let a training step's
 * gigabytes pile up; instead the memory is freed the moment tfjs disposes the last tensor whose
 * values live in it (cpu kernels may store views of an input, e.g. Slice: every stored view is
 * counted). Nothing outside the backend ever sees a lent array: reads return copies.
 */
import type { DataId, DataType, TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.ts';

export const NATIVE_BACKEND_NAME = 'native';

type Values = backend_util.BackendValues;

export class NativeBackend extends MathBackendCPU {
  /** Lent buffers → how many stored tensors' values point into them. */
  private readonly lent = new Map<ArrayBufferLike, number>();

  constructor(readonly addon: NativeAddon) {
    super();
    // The cpu backend's first write prints "install tfjs-node"; this backend is the answer.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 tensor's values as the Float32Array the addon borrows (copied only if stored otherwise). */
  floats(t: TensorInfo): Float32Array {
    const values = this.data.get(t.dataId).values;
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  }

  /** A new tensor holding `values`, an array the addon lent. */
  output(shape: number[], values: Float32Array, dtype: DataType = 'float32'): TensorInfo {
    if (values.length > 0) this.lent.set(values.buffer, 0);
    return this.makeTensorInfo(shape, dtype, values);
  }

  /**
   * The values of `dataId` when they are libtorch memory lent to that one stored tensor alone
   * (no other tensor data, no view of it, backend reference count 1): safe to write in place.
   */
  soleLentValues(dataId: DataId): Float32Array | undefined {
    const entry = this.data.get(dataId);
    if (!entry || entry.refCount !== 1 || !(entry.values instanceof Float32Array)) return undefined;
    const values = entry.values;
    const whole = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
    return whole && this.lent.get(values.buffer) === 1 ? values : undefined;
  }

  /**
   * New tensors viewing consecutive pieces of `values`, an array the addon lent (one buffer for
   * all: it is freed when the last of them is disposed).
   */
  outputViews(values: Float32Array, shapes: readonly number[][]): TensorInfo[] {
    if (values.length > 0) this.lent.set(values.buffer, 0);
    let offset = 0;
    return shapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const view = values.subarray(offset, offset + size);
      offset += size;
      return this.makeTensorInfo(shape, 'float32', view);
    });
  }

  /** Number of lent buffers still alive (a leak check for tests). */
  lentBuffers(): number {
    return this.lent.size;
  }

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    this.countView(values, 1);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: Values, shape: number[], dtype: DataType, refCount: number): void {
    this.countView(values, 1);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.countView(values, -1);
    return done;
  }

  override readSync(dataId: DataId): Values {
    const values = super.readSync(dataId);
    return ArrayBuffer.isView(values) && this.lent.has(values.buffer) ? (values as Float32Array).slice() : values;
  }

  override read(dataId: DataId): Promise<Values> {
    return Promise.resolve(this.readSync(dataId));
  }

  override dispose(): void {
    super.dispose();
    this.lent.clear(); // the garbage collector frees what is left
  }

  private countView(values: Values | undefined, delta: 1 | -1): void {
    if (!values || !ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const views = this.lent.get(buffer);
    if (views === undefined) return;
    if (views + delta > 0) {
      this.lent.set(buffer, views + delta);
      return;
    }
    this.lent.delete(buffer);
    this.addon.release(new Float32Array(buffer));
  }
}

/** Whether every given tensor is a non-empty float32 tensor (what the native kernels take). */
export function allFloat32(...ts: (TensorInfo | null | undefined)[]): boolean {
  return ts.every((t) => t == null || (t.dtype === 'float32' && t.shape.every((d) => d > 0)));
}
