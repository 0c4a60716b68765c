export * from './backend.ts';
export * from './gradients.ts';
export * from './memory_guard.ts';
export { WasmKernelError } from './kernels/compose.ts';
export { batchNormTrain, type BatchNormTrainResult } from './native/batch_norm_train.ts';
export { sgdMomentumStep, type SgdMomentumResult } from './native/sgd_momentum_step.ts';
