/**
 * ResNet (basic and bottleneck blocks, ImageNet or CIFAR stem) as ONNX nodes, mirroring
 * `ResNet.forward`: stem conv+BN+ReLU [+ 3×3/2 max-pool], four stages of blocks, global
 * average pool. A block is recognised by its children: `conv3` makes it a bottleneck.
 */
import type { Module } from '../nn/module.ts';
import { BatchNorm2d, Conv2d, Sequential } from '../nn/layers.ts';
import type { ResNet } from '../arch/resnet.ts';
import type { OnnxGraphBuilder } from './graph_builder.ts';
import { childOf, childrenOf, join, optionalChild } from './module_tree.ts';
import { emitConv, emitGlobalAvgPool } from './layers.ts';
import { emitSequential } from './sequential.ts';
import { OnnxExportError } from './errors.ts';

/** Conv `convN` + BatchNorm `bnN` of `m` at `path`. */
function convBn(b: OnnxGraphBuilder, m: Module, n: number, x: string, path: string): string {
  const conv = childOf(m, `conv${n}`, Conv2d, path);
  const bn = childOf(m, `bn${n}`, BatchNorm2d, path);
  return emitConv(b, conv, bn, x, join(path, `conv${n}`));
}

function emitBlock(b: OnnxGraphBuilder, block: Module, x: string, path: string): string {
  const bottleneck = optionalChild(block, 'conv3') !== undefined;
  let h = b.node('Relu', [convBn(b, block, 1, x, path)], {}, `${path}.relu1`); // [N, width, H, W]
  let y: string;
  if (bottleneck) {
    h = b.node('Relu', [convBn(b, block, 2, h, path)], {}, `${path}.relu2`); // [N, width, H', W']
    y = convBn(b, block, 3, h, path); // [N, 4·width, H', W']
  } else {
    y = convBn(b, block, 2, h, path); // [N, width, H', W']
  }
  const downsample = optionalChild(block, 'downsample');
  if (downsample !== undefined && !(downsample instanceof Sequential)) throw new OnnxExportError(`${path}.downsample: expected a Sequential`);
  const identity = downsample ? emitSequential(b, downsample, x, join(path, 'downsample')) : x;
  return b.node('Relu', [b.node('Add', [y, identity], {}, `${path}.add`)], {}, `${path}.out`);
}

/** [N, 3, H, W] → [N, featureDim]. */
export function emitResNet(b: OnnxGraphBuilder, net: ResNet, x: string, path: string): string {
  let h = b.node('Relu', [convBn(b, net, 1, x, path)], {}, join(path, 'relu')); // [N, C, H/2 or H, ·]
  if (net.config.stem === 'imagenet') {
    h = b.node('MaxPool', [h], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }, join(path, 'maxpool'));
  }
  for (let stage = 1; stage <= 4; stage++) {
    const name = `layer${stage}`;
    const layer = childOf(net, name, Sequential, path);
    for (const [i, block] of childrenOf(layer)) h = emitBlock(b, block, h, join(path, `${name}.${i}`));
  }
  return emitGlobalAvgPool(b, h, path); // [N, featureDim]
}
