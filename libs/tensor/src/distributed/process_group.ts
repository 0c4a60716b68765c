/**
 * Data-parallel collectives for the trainer's replicas, on PyTorch's distributed engine (c10d's
 * ProcessGroupGloo over a TCPStore rendezvous, through the native addon): averaging gradients,
 * gathering MoCo's keys, broadcasting rank 0's state. Every call blocks the calling thread (the
 * trainer's engine thread) until all ranks join it, or throws after the group's timeout — a
 * replica that died never leaves the others waiting forever.
 *
 * NCCL: where libtorch is built with CUDA, c10d's ProcessGroupNCCL is the same interface; this
 * addon links Debian's CPU libtorch, so only gloo is built and tested here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon, NativeBackendError } from '../native/addon.ts';
import { NATIVE_BACKEND_NAME, type NativeBackend } from '../native/native_backend.ts';

/** What the trainer's data-parallel step needs from a process group. */
export interface Collective {
  readonly rank: number;
  readonly worldSize: number;
  /** The element-wise mean over ranks of `values` (same length everywhere). */
  allreduceMean(values: Float32Array): Float32Array;
  /** The element-wise mean over ranks of each tensor (float32, same shapes everywhere), as new tensors: one bucket. */
  averageTensors(tensors: readonly tf.Tensor[]): tf.Tensor[];
  /** Every rank's `values`, concatenated in rank order. */
  allgather(values: Float32Array): Float32Array;
  /** `root`'s `values` on every rank. */
  broadcast(values: Float32Array, root: number): Float32Array;
  barrier(): void;
}

export class DistributedError extends Error {
  override name = 'DistributedError';
}

export interface JoinOptions {
  rank: number;
  worldSize: number;
  /** Rank 0's store: host:port (rank 0 listens there). */
  rendezvous: string;
  /** Most time any rendezvous or collective may take. */
  timeoutMs: number;
  /** Namespace of the store's keys (e.g. the run and its restart). */
  prefix: string;
}

/** Whether this process can join a c10d group, and why not. */
export function distributedSupport(): { available: boolean; reason: string } {
  try {
    const info = loadNativeAddon().distInfo();
    return { available: info.available, reason: info.reason };
  } catch (err) {
    const why = err instanceof NativeBackendError ? err.message : String(err);
    return { available: false, reason: `data-parallel training needs disco's native addon with c10d: ${why}` };
  }
}

export function parseRendezvous(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new DistributedError(`trainer.rendezvous '${address}' is not host:port`);
  return { host: m[1], port };
}

/** One process's membership of the trainer replicas' group. */
export class ProcessGroup implements Collective {
  private left = false;

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
  ) {}

  /** Joins (rank 0 serves the store); throws DistributedError naming the rendezvous on timeout. */
  static join(options: JoinOptions): ProcessGroup {
    const support = distributedSupport();
    if (!support.available) throw new DistributedError(support.reason);
    const { host, port } = parseRendezvous(options.rendezvous);
    try {
      loadNativeAddon().distInit(options.rank, options.worldSize, host, port, options.timeoutMs, options.prefix);
    } catch (err) {
      throw new DistributedError((err as Error).message);
    }
    return new ProcessGroup(options.rank, options.worldSize);
  }

  private call<T>(f: () => T): T {
    if (this.left) throw new DistributedError('the process group was left');
    try {
      return f();
    } catch (err) {
      throw new DistributedError((err as Error).message);
    }
  }

  /** Publishes `value` under `key` in the rendezvous store. */
  set(key: string, value: string): void {
    this.call(() => loadNativeAddon().distStoreSet(key, value));
  }

  /** Waits (up to the timeout) for `key` and returns it. */
  get(key: string): string {
    return this.call(() => loadNativeAddon().distStoreGet(key));
  }

  allreduceMean(values: Float32Array): Float32Array {
    return this.call(() => loadNativeAddon().distAllreduce(values, values.length, true));
  }

  /**
   * On 'native', the tensors' own buffers go to the addon (no copy on this side), which fills
   * one bucket, all-reduces it and hands it back; the results are views of it. Elsewhere, one
   * flat copy each way.
   */
  averageTensors(tensors: readonly tf.Tensor[]): tf.Tensor[] {
    if (tensors.some((t) => t.dtype !== 'float32')) throw new DistributedError('averageTensors: float32 tensors only');
    if (tf.getBackend() === NATIVE_BACKEND_NAME) {
      const backend = tf.backend() as NativeBackend;
      const flat = this.call(() => loadNativeAddon().distAllreduceMany(tensors.map((t) => backend.floats(t)), true));
      return backend.outputViews(flat, tensors.map((t) => [...t.shape])).map((info) => tf.engine().makeTensorFromTensorInfo(info));
    }
    const flat = new Float32Array(tensors.reduce((s, t) => s + t.size, 0));
    let offset = 0;
    for (const t of tensors) {
      flat.set(t.dataSync() as Float32Array, offset);
      offset += t.size;
    }
    const mean = this.allreduceMean(flat);
    offset = 0;
    return tensors.map((t) => {
      const out = tf.tensor(mean.subarray(offset, offset + t.size), t.shape, 'float32');
      offset += t.size;
      return out;
    });
  }

  allgather(values: Float32Array): Float32Array {
    return this.call(() => loadNativeAddon().distAllgather(values, values.length));
  }

  broadcast(values: Float32Array, root: number): Float32Array {
    return this.call(() => loadNativeAddon().distBroadcast(values, values.length, root));
  }

  barrier(): void {
    this.call(() => loadNativeAddon().distBarrier());
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    loadNativeAddon().distDestroy();
  }
}
