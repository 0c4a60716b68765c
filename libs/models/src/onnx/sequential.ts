/**
 * A `Sequential` as ONNX nodes, child by child: Conv2d followed by BatchNorm2d becomes one conv
 * with the BN folded in; activations, squeeze-excitation, Linear and nested Sequentials map
 * one to one; an inverted-residual block (MobileNet-v3 `InvertedResidual`, EfficientNet
 * `MBConv`: a module whose only child is the Sequential `block`) adds its input back when the
 * block keeps the shape (every conv stride 1 and as many output channels as input channels),
 * which is exactly when those modules take their residual.
 */
import type { Module } from '../nn/module.ts';
import { BatchNorm2d, Conv2d, Linear, Sequential } from '../nn/layers.ts';
import { Activation } from '../nn/activations.ts';
import { SqueezeExcitation } from '../nn/squeeze_excitation.ts';
import { OnnxExportError } from './errors.ts';
import type { OnnxGraphBuilder } from './graph_builder.ts';
import { childrenOf, join } from './module_tree.ts';
import { emitActivation, emitBatchNorm, emitConv, emitLinear, emitSqueezeExcitation } from './layers.ts';

export function emitSequential(b: OnnxGraphBuilder, seq: Module, x: string, path: string): string {
  const children = childrenOf(seq);
  let h = x;
  for (let i = 0; i < children.length; i++) {
    const [name, m] = children[i];
    const where = join(path, name);
    const next = children[i + 1]?.[1];
    if (m instanceof Conv2d) {
      const bn = next instanceof BatchNorm2d ? next : undefined;
      h = emitConv(b, m, bn, h, where);
      if (bn) i++;
    } else {
      h = emitModule(b, m, h, where);
    }
  }
  return h;
}

/** One module of a Sequential (not a Conv2d, which `emitSequential` pairs with its BN). */
function emitModule(b: OnnxGraphBuilder, m: Module, x: string, path: string): string {
  if (m instanceof Sequential) return emitSequential(b, m, x, path);
  if (m instanceof BatchNorm2d) return emitBatchNorm(b, m, x, path);
  if (m instanceof Activation) return emitActivation(b, m.kind, x, path);
  if (m instanceof SqueezeExcitation) return emitSqueezeExcitation(b, m, x, path);
  if (m instanceof Linear) return emitLinear(b, m, x, path);
  const children = childrenOf(m);
  if (children.length === 1 && children[0][0] === 'block' && children[0][1] instanceof Sequential) {
    return emitInvertedResidual(b, children[0][1], x, path);
  }
  throw new OnnxExportError(`${path}: ${m.constructor.name} has no ONNX export (known: Conv2d, BatchNorm2d, Linear, Activation, SqueezeExcitation, Sequential, inverted-residual blocks)`);
}

function emitInvertedResidual(b: OnnxGraphBuilder, block: Sequential, x: string, path: string): string {
  const where = join(path, 'block');
  const y = emitSequential(b, block, x, where);
  const convs = block.namedModules().map(({ module }) => module).filter((m): m is Conv2d => m instanceof Conv2d);
  const outer = convs.filter((c) => !isSqueezeExcitationConv(block, c));
  if (outer.length === 0) throw new OnnxExportError(`${where}: an inverted-residual block without convolutions`);
  const keepsShape = outer.every((c) => (c.cfg.stride ?? 1) === 1) && outer[0].cfg.inChannels === outer[outer.length - 1].cfg.outChannels;
  return keepsShape ? b.node('Add', [y, x], {}, `${path}.residual`) : y;
}

/** Whether `conv` is an `fc1`/`fc2` of a squeeze-excitation inside `block` (not on the main path). */
function isSqueezeExcitationConv(block: Module, conv: Conv2d): boolean {
  return block
    .namedModules()
    .some(({ module }) => module instanceof SqueezeExcitation && module.namedModules().some((d) => d.module === conv));
}
