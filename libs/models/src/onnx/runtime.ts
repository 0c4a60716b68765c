/**
 * onnxruntime-node as an optional engine: `loadOnnxRuntime()` imports it if installed (an
 * optionalDependency) and says why not otherwise; `OnnxSession` runs an exported graph on CPU.
 * Only the few types we call are declared here, so this file type-checks without the package.
 */
import { OnnxRuntimeError } from './errors.ts';
import type { OnnxModelGraph } from './export.ts';

export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtSessionOptions {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  /** Session config entries, flattened with dots (`{session: {intra_op: {allow_spinning: '0'}}}`). */
  extra?: Record<string, unknown>;
}

/** The part of the `onnxruntime-node` module we use. */
export interface OrtModule {
  env: { versions?: Record<string, string> };
  Tensor: new (type: 'float32' | 'uint8', data: Float32Array | Uint8Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
}

export type OnnxRuntimeProbe = { available: true; version: string; ort: OrtModule } | { available: false; reason: string };

export const ONNX_RUNTIME_PACKAGE = 'onnxruntime-node';

const probes = new Map<string, Promise<OnnxRuntimeProbe>>();

/** Imports `specifier` (default onnxruntime-node) once per process; never throws. */
export function loadOnnxRuntime(specifier = ONNX_RUNTIME_PACKAGE): Promise<OnnxRuntimeProbe> {
  let probe = probes.get(specifier);
  if (!probe) {
    probe = probeRuntime(specifier);
    probes.set(specifier, probe);
  }
  return probe;
}

async function probeRuntime(specifier: string): Promise<OnnxRuntimeProbe> {
  try {
    const mod = (await import(specifier)) as { default?: OrtModule } & Partial<OrtModule>;
    const ort = (mod.default ?? mod) as OrtModule;
    if (typeof ort.InferenceSession?.create !== 'function') return { available: false, reason: `${specifier} does not export InferenceSession` };
    return { available: true, version: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown', ort };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
      return { available: false, reason: `${specifier} is not installed (an optional dependency: npm install --include=optional)` };
    }
    return { available: false, reason: `${specifier} failed to load: ${e.message.split('\n')[0]}` };
  }
}

/** An exported graph loaded into onnxruntime (CPU). */
export class OnnxSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly graph: Omit<OnnxModelGraph, 'bytes'>,
  ) {}

  /**
   * `threads`: intra-op threads (0 = onnxruntime's default, one per physical core). `spinning`:
   * whether idle pool threads busy-wait for the next op (onnxruntime's default, true): lower
   * latency on a dedicated machine, but CPU taken from other processes on a shared one.
   */
  static async create(ort: OrtModule, graph: OnnxModelGraph, options: { threads?: number; spinning?: boolean } = {}): Promise<OnnxSession> {
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(graph.bytes, {
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: options.threads ?? 0,
        ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
      });
    } catch (err) {
      throw new OnnxRuntimeError(`onnxruntime rejected the exported graph: ${(err as Error).message.split('\n')[0]}`);
    }
    const { bytes: _bytes, ...info } = graph;
    return new OnnxSession(ort, session, info);
  }

  /** Runs a batch: `data` of `shape` ([n, h, w, 3] pixels or inputs, or [n, in] for a head), typed as exported; returns [n, outputDim]. */
  async run(data: Uint8Array | Float32Array, shape: readonly number[]): Promise<Float32Array> {
    const { inputType, inputName, outputName, outputDim } = this.graph;
    const expected = inputType === 'uint8' ? Uint8Array : Float32Array;
    if (!(data instanceof expected)) throw new OnnxRuntimeError(`input: the graph takes ${inputType}, got a ${data.constructor.name}`);
    const size = shape.reduce((a, d) => a * d, 1);
    if (data.length !== size) throw new OnnxRuntimeError(`input: ${data.length} values do not make shape [${shape}]`);
    const input = new this.ort.Tensor(inputType, data, shape);
    const results = await this.session.run({ [inputName]: input });
    input.dispose?.();
    const out = results[outputName];
    try {
      if (!out || !(out.data instanceof Float32Array) || out.dims[0] !== shape[0] || out.dims[1] !== outputDim) {
        throw new OnnxRuntimeError(`output ${outputName}: expected float32 [${shape[0]}, ${outputDim}], got [${out?.dims ?? '?'}]`);
      }
      return out.data.slice();
    } finally {
      for (const t of Object.values(results)) t.dispose?.();
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
