/**
 * One leased batch, start to finish: augment it, stream its views to the trainer (one Deliver
 * call) while a teacher embeds them, relay the embeddings on the same call, half-close, and
 * return the trainer's outcome. If the trainer answers early (DUPLICATE or STALE on the first
 * chunk) the rest is skipped and the teacher call cancelled.
 */
import * as grpc from '@grpc/grpc-js';
import {
  fromWireOutcome,
  writeMessage,
  type CheckedSpec,
  type CoordinatorClient,
  type DeliverReply__Output,
  type Delivery,
  type ReplicaPool,
  type TeacherClient,
  type WireLimits,
} from '@disco/dataplane';
import type { BatchAugmenter } from '../batch_augmenter.ts';
import { observeOp, type AugmentMetrics, type BatchOutcome } from '../metrics.ts';
import { embedBatch } from './teacher_call.ts';
import type { Log } from '@disco/metrics';

export interface DeliverBatchDeps {
  augmenter: BatchAugmenter;
  coordinator: CoordinatorClient;
  /** Absent: a views-only run (MoCo-v2 mode). */
  teachers?: ReplicaPool<TeacherClient>;
  limits: WireLimits;
  callTimeoutMs: number;
  attempts: number;
  retryBackoffMs: number;
  metrics: AugmentMetrics;
  log: Log;
}

export async function deliverBatch(deps: DeliverBatchDeps, spec: CheckedSpec): Promise<BatchOutcome> {
  const { metrics } = deps;
  const abort = new AbortController();
  const { chunks } = await deps.augmenter.run(spec);
  const deadline = Date.now() + deps.callTimeoutMs;
  const t0 = performance.now();

  let replied = false;
  let call!: grpc.ClientWritableStream<Delivery>;
  const reply = new Promise<DeliverReply__Output>((resolve, reject) => {
    call = deps.coordinator.Deliver({ deadline }, (err, value) => {
      replied = true;
      abort.abort(new Error('the trainer has answered'));
      if (err) reject(err);
      else resolve(value!);
    });
  });
  reply.catch(() => undefined);

  const send = async (delivery: Delivery) => {
    if (!replied) await writeMessage(call, delivery);
  };
  const views = (async () => {
    for (const chunk of chunks) await send({ views: chunk });
  })();
  let embeddings: Awaited<ReturnType<typeof embedBatch>> = [];
  try {
    if (deps.teachers) {
      const t1 = performance.now();
      embeddings = await embedBatch(
        {
          teachers: deps.teachers,
          limits: deps.limits,
          attempts: deps.attempts,
          retryBackoffMs: deps.retryBackoffMs,
          onRetry: (err, attempt) => {
            metrics.teacherRetries.inc();
            deps.log(`batch ${spec.key}: teacher attempt ${attempt} failed (${grpc.status[err.code]}: ${err.details}); retrying on another replica`, { level: 'warn', batch: spec.key, err });
          },
        },
        spec.key,
        spec.indices.length,
        chunks,
        deadline,
        abort.signal,
      );
      observeOp(metrics, 'teacher', (performance.now() - t1) / 1000);
    }
    await views;
    for (const chunk of embeddings) await send({ embeddings: chunk });
    if (!replied) call.end();
  } catch (err) {
    if (!replied) {
      call.cancel();
      throw err;
    }
  }
  const answer = await reply;
  observeOp(metrics, 'deliver', (performance.now() - t0) / 1000);
  return fromWireOutcome(answer.outcome);
}
