/**
 * The messages between the trainer's main thread (gRPC, leases, checkpoint files, metrics) and
 * its engine thread (tfjs, the algorithm, the student). Plain data only: typed arrays and
 * Maps cross by structured clone (views and state buffers are transferred where they are
 * copies already).
 */
import type { DiscoState, StepResult } from '@disco/disco';
import type { OnlineKnnResult } from '@disco/eval';
import type { TrainerConfig } from '../config.ts';
import type { ExportPaths } from '../final_export.ts';

/** One joined batch as the engine needs it: uint8 views and the teacher's embeddings. */
export interface EngineBatch {
  key: string;
  batchSize: number;
  height: number;
  width: number;
  /** Teacher embedding size (0 without a teacher). */
  dim: number;
  views: [Uint8Array, Uint8Array];
  /** [N·dim] per view; absent without a teacher. */
  embeddings?: [Float32Array, Float32Array];
}

/** tfjs's memory as the engine sees it after a request. */
export interface EngineMemory {
  numTensors: number;
  numBytes: number;
}

export interface EngineInfo {
  backend: string;
  /** Data-parallel: this replica's rank and the group's size (1: no group). */
  rank: number;
  worldSize: number;
  threads: number;
  step: number;
  /** Why the online kNN is off (no labels, disabled), when it is. */
  knnDisabled?: string;
  knnImages?: { bank: number; queries: number; source: string };
}

export type EngineRequest =
  | { op: 'init'; config: TrainerConfig; identity: Record<string, unknown> }
  | { op: 'syncReplicas' }
  | { op: 'checkReplicas' }
  | { op: 'restore'; state: DiscoState }
  | { op: 'step'; batch: EngineBatch; lrEpoch: number }
  | { op: 'save' }
  | { op: 'export'; runDir: string }
  | { op: 'knn' }
  | { op: 'dispose' };

export interface EngineReplies {
  init: EngineInfo;
  /** Rank 0's state is now every replica's; its step. */
  syncReplicas: { step: number };
  checkReplicas: Record<string, never>;
  restore: { step: number };
  /** `returned`: the batch's view buffers, moved back for reuse once the step has read them. */
  step: { result: StepResult; memory: EngineMemory; returned: ArrayBuffer[] };
  save: { state: DiscoState };
  export: { paths: ExportPaths };
  knn: { result: OnlineKnnResult | null; memory: EngineMemory };
  dispose: Record<string, never>;
}

/** An error thrown in the engine, carried across with its class name. */
export interface EngineFault {
  name: string;
  message: string;
  stack?: string;
}

export type EngineMessage = { id: number; ok: true; reply: unknown } | { id: number; ok: false; fault: EngineFault };
