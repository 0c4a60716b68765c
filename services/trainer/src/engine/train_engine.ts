/**
 * The main thread's handle on the engine thread (engine_worker.ts): one async method per
 * request, answered in order. An error thrown in the engine comes back as an EngineError with
 * the original class name (`NonFiniteLossError`, `StateError`, ...); if the thread dies, every
 * pending and later call rejects with the reason.
 */
import { Worker } from 'node:worker_threads';
import type { DiscoState } from '@disco/disco';
import { wholeBuffers } from './whole_buffers.ts';
import { NonFiniteLossError } from '@disco/disco';
import type { TrainerConfig } from '../config.ts';
import type { EngineBatch, EngineInfo, EngineMessage, EngineReplies, EngineRequest } from './protocol.ts';

export class EngineError extends Error {
  constructor(readonly engineName: string, message: string, readonly engineStack?: string) {
    super(message);
    this.name = engineName;
  }

  /** Whether the engine threw a non-finite loss (the step did not update anything). */
  get nonFiniteLoss(): boolean {
    return this.engineName === NonFiniteLossError.name; // the class name the error kept across the thread
  }
}

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (err: Error) => void;
}

export class TrainEngine {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;

  private constructor() {
    this.worker = new Worker(new URL('./worker_boot.mjs', import.meta.url), {
      workerData: { entry: new URL('./engine_worker.ts', import.meta.url).href },
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: EngineMessage) => this.settle(m));
    this.worker.on('error', (err) => this.fail(new Error(`engine thread crashed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`engine thread exited (code ${code})`)));
  }

  /**
   * Starts the thread, picks its backend and builds the algorithm (and the online kNN sets);
   * with trainer.worldSize > 1 it first joins the replicas' c10d group, refusing replicas whose
   * `identity` (what decides the weights) differs from rank 0's.
   */
  static async start(config: Readonly<TrainerConfig>, identity: Record<string, unknown> = {}): Promise<{ engine: TrainEngine; info: EngineInfo }> {
    const engine = new TrainEngine();
    try {
      return { engine, info: await engine.call({ op: 'init', config: config as TrainerConfig, identity }) };
    } catch (err) {
      await engine.close();
      throw err;
    }
  }

  restore(state: DiscoState): Promise<EngineReplies['restore']> {
    return this.call({ op: 'restore', state });
  }

  /**
   * Trains on `batch`. Views and embeddings that own their whole buffer (the data plane
   * allocates one per view) are moved to the engine thread, not copied: they are unusable
   * here afterwards.
   */
  step(batch: EngineBatch, lrEpoch: number): Promise<EngineReplies['step']> {
    const arrays = [...batch.views, ...(batch.embeddings ?? [])];
    return this.call({ op: 'step', batch, lrEpoch }, wholeBuffers(arrays));
  }

  async save(): Promise<DiscoState> {
    return (await this.call({ op: 'save' })).state;
  }

  /** Every replica takes rank 0's state (a collective: every replica calls it). */
  syncReplicas(): Promise<EngineReplies['syncReplicas']> {
    return this.call({ op: 'syncReplicas' });
  }

  /** Fails unless every replica holds the same state (a collective). */
  async checkReplicas(): Promise<void> {
    await this.call({ op: 'checkReplicas' });
  }

  exportStudent(runDir: string): Promise<EngineReplies['export']> {
    return this.call({ op: 'export', runDir });
  }

  knn(): Promise<EngineReplies['knn']> {
    return this.call({ op: 'knn' });
  }

  /** Frees the algorithm's tensors and ends the thread. */
  async close(): Promise<void> {
    if (!this.dead) await this.call({ op: 'dispose' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call<R extends EngineRequest>(request: R, transfer: ArrayBuffer[] = []): Promise<EngineReplies[R['op']]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  private settle(message: EngineMessage): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.reply);
    else p.reject(new EngineError(message.fault.name, message.fault.message, message.fault.stack));
  }

  private fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
