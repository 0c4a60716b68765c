/**
 * _FusedMatMul (matMul + bias + activation) for wasm, replacing the stock kernel's JavaScript
 * half (same C++ function). It shares the C++ operator cache with BatchMatMul, so it carries the
 * same guard (`matmul_cache_guard.ts`) and the same transposed fast path (`matmul_plan.ts`).
 *
 * The stock C++ scalar path (batch > 1, or any transpose) adds the bias wrongly: element
 * (i, j) gets bias[min(i·N + j, N − 1)] (errors of 4–9 on small cases). Single-batch products
 * always reach the XNNPACK path here (transposes are materialised); a batched product with a
 * bias is composed instead: matMul, then add, then the activation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { _FusedMatMul, util, type _FusedMatMulAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, WasmKernelError } from './compose.ts';
import { operandBId, takesCachedPath } from './matmul_cache_guard.ts';
import { planMatMul, shapeBytes } from './matmul_plan.ts';
import type { WasmBackend } from '../wasm_backend.ts';

/** tfjs-backend-wasm's `FusableActivation` (src/cc/fusable_activations.h). */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };

type WasmFusedMatMul = (
  aId: number, aShape: Uint8Array, aRank: number,
  bId: number, bShape: Uint8Array, bRank: number,
  transposeA: boolean, transposeB: boolean, activation: number,
  biasId: number, preluId: number, leakyreluAlpha: number, outId: number,
) => void;

const wasmFns = new WeakMap<WasmBackend, WasmFusedMatMul>();

function setup(backend: WasmBackend): WasmFusedMatMul {
  const fn = backend.wasm.cwrap(_FusedMatMul, null, [
    'number', 'array', 'number', 'number', 'array', 'number',
    'number', 'number', 'number', 'number', 'number', 'number', 'number',
  ]) as WasmFusedMatMul;
  wasmFns.set(backend, fn);
  return fn;
}

function fusedMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: WasmBackend;
  attrs: _FusedMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { bias, preluActivationWeights } = inputs;
  const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
  if (activation === undefined) {
    throw new WasmKernelError(`${_FusedMatMul}: activation '${attrs.activation}' is not supported on wasm`);
  }
  if (bias && bias.shape.length !== 1) {
    throw new WasmKernelError(`${_FusedMatMul}: bias must be rank 1, got shape [${bias.shape}]`);
  }
  const batched = util.sizeFromShape(inputs.a.shape.slice(0, -2)) > 1 || util.sizeFromShape(inputs.b.shape.slice(0, -2)) > 1;
  if (bias && batched) return composed(inputs, attrs);
  const p = planMatMul(_FusedMatMul, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
  const biasId = bias ? backend.dataIdMap.get(bias.dataId).id : 0;
  const preluId = preluActivationWeights ? backend.dataIdMap.get(preluActivationWeights.dataId).id : 0;
  // The C++ cache key: (B id, bias id, activation with prelu folded into linear).
  const clamp = attrs.activation === 'prelu' ? 'linear' : (attrs.activation ?? 'linear');
  const out = backend.makeOutput(p.out3, 'float32'); // [B, M, N]
  const bOperand = takesCachedPath(p.a3, p.b3, p.transposeA, p.transposeB)
    ? operandBId(backend, p.b, p.b3, `${biasId}|${clamp}`)
    : { id: backend.dataIdMap.get(p.b.dataId).id, release: () => {} };
  try {
    const fn = wasmFns.get(backend) ?? setup(backend);
    fn(
      backend.dataIdMap.get(p.a.dataId).id, shapeBytes(p.a3), 3,
      bOperand.id, shapeBytes(p.b3), 3,
      p.transposeA, p.transposeB, activation,
      biasId, preluId, attrs.leakyreluAlpha ?? 0, backend.dataIdMap.get(out.dataId).id,
    );
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  } finally {
    bOperand.release();
    tf.dispose(p.temps);
  }
  return { dataId: out.dataId, shape: p.outShape, dtype: 'float32' };
}

/** act(a·b + bias) from separate ops (each a correct wasm kernel). */
function composed(
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo },
  attrs: _FusedMatMulAttrs,
): tf.Tensor {
  return tf.tidy(() => {
    const y = tf.matMul(asTensor(inputs.a), asTensor(inputs.b), attrs.transposeA, attrs.transposeB); // [B, M, N]
    const z = inputs.bias ? tf.add(y, asTensor(inputs.bias)) : y; // [B, M, N]
    switch (attrs.activation ?? 'linear') {
      case 'linear': return z;
      case 'relu': return tf.relu(z);
      case 'relu6': return tf.relu6(z);
      case 'prelu': return tf.prelu(z, asTensor(inputs.preluActivationWeights as TensorInfo));
      case 'leakyrelu': return tf.leakyRelu(z, attrs.leakyreluAlpha ?? 0.2);
      case 'sigmoid': return tf.sigmoid(z);
      case 'elu': return tf.elu(z);
      default: throw new WasmKernelError(`${_FusedMatMul}: activation '${attrs.activation}' is not supported on wasm`);
    }
  });
}

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'wasm',
  setupFunc: setup as unknown as KernelConfig['setupFunc'],
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
