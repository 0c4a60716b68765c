/**
 * Gradient replacements for the 'native' backend. tfjs's gradient registry is global (one
 * function per op for every backend), so each replacement wraps tfjs's own function: on
 * 'native', for the inputs its kernel takes, it runs disco's fused kernel; everywhere else it
 * runs tfjs's function unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getGradient, registerGradient, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from '../native_backend.ts';

export type GradFunc = NonNullable<GradConfig['gradFunc']>;
type GradResult = ReturnType<GradFunc>;

/** A gradient's native form: undefined when it declines (tfjs's function then runs). */
export type NativeGrad = (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) => GradResult | undefined;

export interface NativeGradConfig {
  kernelName: string;
  nativeGrad: NativeGrad;
}

/** Installs `config` over tfjs's gradient for the same op (which must be registered already). */
export function replaceGradient(config: NativeGradConfig): void {
  const stock = getGradient(config.kernelName);
  if (!stock?.gradFunc) throw new Error(`${config.kernelName} has no registered gradient: call registerGradients() first`);
  const stockFunc = stock.gradFunc;
  registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() === NATIVE_BACKEND_NAME && !Array.isArray(dy)) {
        const grads = config.nativeGrad(dy, saved, attrs);
        if (grads) return grads;
      }
      return stockFunc(dy, saved, attrs);
    },
  });
}
