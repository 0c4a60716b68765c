/**
 * `Coordinator.Stop`: ends training after the step in progress, optionally checkpoints, and
 * answers with the last trained batch and the checkpoint path; the process then drains and exits.
 * A control RPC: with TLS on, only callers with a client certificate from the configured CA.
 */
import type * as grpc from '@grpc/grpc-js';
import { requireAuthenticatedPeer, toServiceError, toWireBatchId, type StopReply, type StopRequest__Output } from '@disco/dataplane';
import type { Log } from '@disco/metrics';

export interface Stoppable {
  /** Resolves once the loop has stopped (and the checkpoint, if asked for, is written). */
  stop(options: { checkpoint: boolean; reason: string }): Promise<{ lastTrained?: { run: string; epoch: number; step: number }; checkpoint?: string }>;
}

export function makeStopHandler(target: Stoppable, tls: { readonly enabled: boolean }, log: Log) {
  return (call: grpc.ServerUnaryCall<StopRequest__Output, StopReply>, callback: grpc.sendUnaryData<StopReply>): void => {
    let who: string;
    try {
      who = requireAuthenticatedPeer(call, tls, 'Stop')?.commonName ?? call.getPeer();
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    log(`Stop from ${who}: ${call.request.reason || '(no reason given)'}${call.request.checkpoint ? ', with a checkpoint' : ''}`);
    target.stop({ checkpoint: call.request.checkpoint, reason: call.request.reason || 'Stop RPC' }).then(
      (result) => callback(null, { lastTrained: result.lastTrained ? toWireBatchId(result.lastTrained) : undefined, checkpoint: result.checkpoint ?? '' }),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}
