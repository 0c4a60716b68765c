/** `Coordinator.Status`: where the run stands (progress bars, operators, tests). */
import type * as grpc from '@grpc/grpc-js';
import type { StatusReply, StatusRequest__Output, DataplaneCoordinator } from '@disco/dataplane';
import type { Progress } from '../progress.ts';

export function makeStatusHandler(run: string, progress: Progress, coordinator: DataplaneCoordinator) {
  return (_call: grpc.ServerUnaryCall<StatusRequest__Output, StatusReply>, callback: grpc.sendUnaryData<StatusReply>): void => {
    const window = coordinator.window.stats();
    callback(null, {
      run,
      state: progress.state,
      epoch: progress.position.epoch,
      epochs: progress.epochs,
      step: progress.position.step,
      stepsPerEpoch: progress.stepsPerEpoch,
      globalStep: progress.position.globalStep,
      imagesPerSecond: progress.imagesPerSecond,
      batchesInFlight: window.leased + window.delivered,
      batchesReleased: window.released,
      losses: progress.losses,
      lr: progress.lr,
      workers: coordinator.sessions.workers,
      message: progress.message,
      ...(progress.knn ? { knnTop1: progress.knn.top1, knnTop5: progress.knn.top5, knnEpoch: progress.knn.epoch } : {}),
    });
  };
}
