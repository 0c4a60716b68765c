/**
 * One batch through the teacher: the view chunks go out on one Embed call, the embedding chunks
 * come back, validated and counted. A failed call is retried on another replica (the chunks are
 * kept until the teacher is done), up to `attempts` tries with doubling backoff. Embeddings are
 * only handed on once a call has delivered every row of both views, so a retry never sends the
 * trainer a row twice.
 */
import * as grpc from '@grpc/grpc-js';
import {
  InvalidFieldError,
  decodeEmbeddingChunk,
  isRetryable,
  writeMessage,
  type EmbeddingChunk__Output,
  type ReplicaPool,
  type TeacherClient,
  type ViewChunk,
  type WireLimits,
} from '@disco/dataplane';

export interface TeacherCallDeps {
  teachers: ReplicaPool<TeacherClient>;
  limits: WireLimits;
  attempts: number;
  retryBackoffMs: number;
  onRetry: (err: grpc.ServiceError, attempt: number) => void;
}

function embedOnce(
  client: TeacherClient,
  limits: WireLimits,
  key: string,
  batchSize: number,
  chunks: readonly ViewChunk[],
  deadline: number,
  signal: AbortSignal,
): Promise<EmbeddingChunk__Output[]> {
  return new Promise((resolve, reject) => {
    const out: EmbeddingChunk__Output[] = [];
    const rows = [0, 0];
    const call = client.Embed({ deadline });
    const onAbort = () => call.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (err?: unknown) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(out);
    };
    call.on('data', (msg: EmbeddingChunk__Output) => {
      try {
        const chunk = decodeEmbeddingChunk(msg, limits);
        if (chunk.key !== key) throw new InvalidFieldError('batch', `teacher answered ${chunk.key} for ${key}`);
        rows[chunk.view - 1] += chunk.count;
        out.push(msg);
      } catch (err) {
        call.cancel();
        settle(internal(err));
      }
    });
    call.on('error', (err: grpc.ServiceError) => settle(err));
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code !== grpc.status.OK) return; // 'error' carries it
      if (rows[0] !== batchSize || rows[1] !== batchSize) settle(internal(new Error(`teacher sent ${rows[0]}+${rows[1]} rows for 2×${batchSize}`)));
      else settle();
    });
    (async () => {
      for (const chunk of chunks) await writeMessage(call, chunk);
      call.end();
    })().catch(() => undefined); // a write failure surfaces as the call's 'error'
  });
}

function internal(err: unknown): grpc.ServiceError {
  const e = new Error(`teacher reply invalid: ${err instanceof Error ? err.message : String(err)}`) as grpc.ServiceError;
  e.code = grpc.status.INTERNAL;
  e.details = e.message;
  e.metadata = new grpc.Metadata();
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Embeds one batch, retrying failed calls on other replicas. */
export async function embedBatch(
  deps: TeacherCallDeps,
  key: string,
  batchSize: number,
  chunks: readonly ViewChunk[],
  deadline: number,
  signal: AbortSignal,
): Promise<EmbeddingChunk__Output[]> {
  let avoid: TeacherClient | undefined;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    const client = deps.teachers.next(avoid);
    try {
      return await embedOnce(client, deps.limits, key, batchSize, chunks, deadline, signal);
    } catch (err) {
      const e = err as grpc.ServiceError;
      if (signal.aborted || attempt >= deps.attempts || !isRetryable(e.code) || Date.now() >= deadline) throw err;
      deps.onRetry(e, attempt);
      avoid = client;
      await sleep(Math.min(deps.retryBackoffMs * 2 ** (attempt - 1), 30_000));
    }
  }
}
