export * from './backend.ts';
export * from './gradients.ts';
export * from './memory_guard.ts';
export { WasmKernelError } from './kernels/compose.ts';
export { batchNormTrain, type BatchNormTrainResult } from './native/batch_norm_train.ts';
export { sgdMomentumStep, type SgdMomentumResult } from './native/sgd_momentum_step.ts';
export { nativeSkipNote, type NativeSkipNote } from './native/addon.ts';
export { nativeFallbackCounts, resetNativeFallbackCounts } from './native/kernels/fallback.ts';
export { NativeSelfCheckError, selfCheckNative } from './native/self_check.ts';
