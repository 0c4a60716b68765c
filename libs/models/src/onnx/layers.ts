/**
 * ONNX nodes for our layers, on NCHW values (the graph transposes the NHWC input once):
 * Conv2d (+ folded BatchNorm2d), a lone BatchNorm2d, Linear, the activations, and
 * squeeze-excitation. Each emitter takes the input value's name and returns the output's.
 */
import { BatchNorm2d, Conv2d, Linear } from '../nn/layers.ts';
import type { ActivationName } from '../nn/activations.ts';
import { SqueezeExcitation } from '../nn/squeeze_excitation.ts';
import { OnnxExportError } from './errors.ts';
import type { OnnxGraphBuilder } from './graph_builder.ts';
import { childOf } from './module_tree.ts';
import { convWeights, foldBatchNorm, linearWeights } from './weights.ts';

/** `conv` (then eval-mode `bn` folded into it, when given) as one ONNX Conv. */
export function emitConv(b: OnnxGraphBuilder, conv: Conv2d, bn: BatchNorm2d | undefined, x: string, path: string): string {
  let w = convWeights(conv);
  if (bn) w = foldBatchNorm(w, bn, path);
  const { kernel } = conv.cfg;
  const stride = conv.cfg.stride ?? 1;
  const pad = conv.cfg.padding ?? kernel >> 1;
  const inputs = [x, b.constant(`${path}.weight`, w.weight, w.dims)];
  if (w.bias) inputs.push(b.constant(`${path}.bias`, w.bias, [w.dims[0]]));
  return b.node(
    'Conv',
    inputs,
    { kernel_shape: { ints: [kernel, kernel] }, strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] }, group: { int: w.group } },
    path,
  );
}

/** Eval-mode BatchNorm2d on its own (not after a conv) as ONNX BatchNormalization. */
export function emitBatchNorm(b: OnnxGraphBuilder, bn: BatchNorm2d, x: string, path: string): string {
  const c = bn.channels;
  const data = (t: { dataSync(): unknown }) => (t.dataSync() as Float32Array).slice();
  const inputs = [
    x,
    b.constant(`${path}.weight`, data(bn.weight), [c]),
    b.constant(`${path}.bias`, data(bn.bias), [c]),
    b.constant(`${path}.running_mean`, data(bn.runningMean), [c]),
    b.constant(`${path}.running_var`, data(bn.runningVar), [c]),
  ];
  return b.node('BatchNormalization', inputs, { epsilon: { float: bn.eps } }, path);
}

/** Linear on [N, in] as ONNX Gemm (B = our [in, out] weight). */
export function emitLinear(b: OnnxGraphBuilder, linear: Linear, x: string, path: string): string {
  const w = linearWeights(linear);
  const inputs = [x, b.constant(`${path}.weight`, w.weight, w.dims)];
  if (w.bias) inputs.push(b.constant(`${path}.bias`, w.bias, [w.dims[1]]));
  return b.node('Gemm', inputs, {}, path);
}

/** The zoo's activations as PyTorch defines them (see nn/activations.ts). */
export function emitActivation(b: OnnxGraphBuilder, kind: ActivationName, x: string, path: string): string {
  switch (kind) {
    case 'relu':
      return b.node('Relu', [x], {}, `${path}.relu`);
    case 'hardswish': // x · relu6(x + 3) / 6
      return b.node('HardSwish', [x], {}, `${path}.hardswish`);
    case 'hardsigmoid': // relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)
      return b.node('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }, `${path}.hardsigmoid`);
    case 'sigmoid':
      return b.node('Sigmoid', [x], {}, `${path}.sigmoid`);
    case 'silu': // x · σ(x)
      return b.node('Mul', [x, b.node('Sigmoid', [x], {}, `${path}.sigmoid`)], {}, `${path}.silu`);
    default:
      throw new OnnxExportError(`${path}: activation '${kind as string}' has no ONNX export`);
  }
}

/** s = σ(fc2(δ(fc1(avgpool(x))))), y = s · x on [N, C, H, W]. */
export function emitSqueezeExcitation(b: OnnxGraphBuilder, se: SqueezeExcitation, x: string, path: string): string {
  const fc1 = childOf(se, 'fc1', Conv2d, path);
  const fc2 = childOf(se, 'fc2', Conv2d, path);
  let s = b.node('GlobalAveragePool', [x], {}, `${path}.pool`); // [N, C, 1, 1]
  s = emitActivation(b, se.config.activation, emitConv(b, fc1, undefined, s, `${path}.fc1`), `${path}.fc1`); // [N, S, 1, 1]
  s = emitActivation(b, se.config.scaleActivation, emitConv(b, fc2, undefined, s, `${path}.fc2`), `${path}.fc2`); // [N, C, 1, 1]
  return b.node('Mul', [x, s], {}, `${path}.scale`); // [N, C, H, W]
}

/** Global average pool + flatten: [N, C, H, W] → [N, C]. */
export function emitGlobalAvgPool(b: OnnxGraphBuilder, x: string, path: string): string {
  const pooled = b.node('GlobalAveragePool', [x], {}, `${path}.avgpool`); // [N, C, 1, 1]
  return b.node('Flatten', [pooled], { axis: { int: 1 } }, `${path}.flatten`); // [N, C]
}
