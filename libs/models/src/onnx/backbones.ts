/**
 * The zoo's backbones and the projection head as ONNX nodes, each mirroring its `forward`:
 * ResNet (resnet.ts); MobileNet-v3-Large = `features` → pool → `classifier` (Linear +
 * hard-swish); EfficientNet-B0 = `features` → pool; ProjectionHead = Linear → ReLU → Linear.
 */
import type { Module } from '../nn/module.ts';
import { Linear, Sequential } from '../nn/layers.ts';
import { ResNet } from '../arch/resnet.ts';
import { MobileNetV3Large } from '../arch/mobilenet_v3.ts';
import { EfficientNetB0 } from '../arch/efficientnet.ts';
import { ProjectionHead } from '../arch/projection_head.ts';
import { OnnxExportError } from './errors.ts';
import type { OnnxGraphBuilder } from './graph_builder.ts';
import { childOf, join } from './module_tree.ts';
import { emitGlobalAvgPool, emitLinear } from './layers.ts';
import { emitResNet } from './resnet.ts';
import { emitSequential } from './sequential.ts';

/** Whether `m` is a backbone this exporter knows. */
export function isExportableBackbone(m: Module): m is ResNet | MobileNetV3Large | EfficientNetB0 {
  return m instanceof ResNet || m instanceof MobileNetV3Large || m instanceof EfficientNetB0;
}

/** [N, 3, H, W] → [N, featureDim]. */
export function emitBackbone(b: OnnxGraphBuilder, m: Module, x: string, path: string): string {
  if (m instanceof ResNet) return emitResNet(b, m, x, path);
  if (m instanceof MobileNetV3Large) {
    const h = emitSequential(b, childOf(m, 'features', Sequential, path), x, join(path, 'features')); // [N, 6·c160, H/32, W/32]
    return emitSequential(b, childOf(m, 'classifier', Sequential, path), emitGlobalAvgPool(b, h, path), join(path, 'classifier')); // [N, featureDim]
  }
  if (m instanceof EfficientNetB0) {
    const h = emitSequential(b, childOf(m, 'features', Sequential, path), x, join(path, 'features')); // [N, 4·c320, H/32, W/32]
    return emitGlobalAvgPool(b, h, path); // [N, featureDim]
  }
  throw new OnnxExportError(`${path || 'model'}: ${m.constructor.name} is not a backbone with an ONNX export (ResNet, MobileNetV3Large, EfficientNetB0)`);
}

/** [N, in] → [N, out]. */
export function emitProjectionHead(b: OnnxGraphBuilder, head: ProjectionHead, x: string, path: string): string {
  const h = b.node('Relu', [emitLinear(b, childOf(head, '0', Linear, path), x, join(path, '0'))], {}, join(path, '1')); // [N, hidden]
  return emitLinear(b, childOf(head, '2', Linear, path), h, join(path, '2')); // [N, out]
}
