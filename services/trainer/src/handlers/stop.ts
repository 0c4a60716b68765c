/**
 * `Coordinator.Stop`: ends training after the step in progress, optionally checkpoints, and
 * answers with the last trained batch and the checkpoint path; the process then drains and exits.
 */
import type * as grpc from '@grpc/grpc-js';
import { toServiceError, toWireBatchId, type StopReply, type StopRequest__Output } from '@disco/dataplane';

export interface Stoppable {
  /** Resolves once the loop has stopped (and the checkpoint, if asked for, is written). */
  stop(options: { checkpoint: boolean; reason: string }): Promise<{ lastTrained?: { run: string; epoch: number; step: number }; checkpoint?: string }>;
}

export function makeStopHandler(target: Stoppable) {
  return (call: grpc.ServerUnaryCall<StopRequest__Output, StopReply>, callback: grpc.sendUnaryData<StopReply>): void => {
    target.stop({ checkpoint: call.request.checkpoint, reason: call.request.reason || 'Stop RPC' }).then(
      (result) => callback(null, { lastTrained: result.lastTrained ? toWireBatchId(result.lastTrained) : undefined, checkpoint: result.checkpoint ?? '' }),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}
