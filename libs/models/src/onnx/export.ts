/**
 * `exportOnnx(module)`: a zoo backbone, a projection head or an encoder as an ONNX model for a
 * frozen forward — BatchNorm in eval mode, folded into the convolutions. The graph takes NHWC
 * like our `forward` (transposed to NCHW once inside), either as the normalised float input or
 * as raw uint8 pixels normalised in the graph exactly as `toModelInput` (../input/model_input.ts)
 * does ((x/255 − mean)/std),
 * and can end with F.normalize's L2 normalisation. Batch and image size stay symbolic.
 */
import type { Module } from '../nn/module.ts';
import { Encoder } from '../arch/encoder.ts';
import { ProjectionHead } from '../arch/projection_head.ts';
import { OnnxExportError } from './errors.ts';
import type { Rgb } from '../input/model_input.ts';
import { OnnxGraphBuilder } from './graph_builder.ts';
import { emitBackbone, emitProjectionHead, isExportableBackbone } from './backbones.ts';


export interface OnnxExportOptions {
  /**
   * `float32` (default): the model input as `forward` takes it, [N, H, W, 3] already normalised.
   * `uint8`: raw pixels [N, H, W, 3], normalised in the graph with `normalize`.
   */
  input?: 'float32' | 'uint8';
  /** Per-channel mean and std of pixels scaled to [0, 1]; required with `input: 'uint8'`. */
  normalize?: { mean: Rgb; std: Rgb };
  /** For an encoder: `embedding` (default, what `forward` returns) or the backbone's `features`. */
  output?: 'embedding' | 'features';
  /** End with y / max(‖y‖₂, 1e-12) per row (PyTorch `F.normalize`). */
  l2Normalize?: boolean;
}

/** A serialized ONNX model and how to call it. */
export interface OnnxModelGraph {
  bytes: Uint8Array;
  inputName: string;
  inputType: 'float32' | 'uint8';
  outputName: string;
  /** Size of each output row. */
  outputDim: number;
  nodeCount: number;
}

/** Casts uint8 [N, H, W, 3] and normalises: (x / 255 − mean) / std, in toModelInput's order of operations. */
function emitNormalize(b: OnnxGraphBuilder, x: string, normalize: { mean: Rgb; std: Rgb }): string {
  if (normalize.std.some((s) => !(s > 0))) throw new OnnxExportError(`normalize.std [${normalize.std}] must be positive`);
  const f = b.node('Cast', [x], { to: { int: 1 } }, 'pixels_float'); // [N, H, W, 3] 0..255
  const scaled = b.node('Div', [f, b.scalar('255', [255])], {}, 'scaled'); // [N, H, W, 3] in [0, 1]
  const centred = b.node('Sub', [scaled, b.scalar('mean', [...normalize.mean], [3])], {}, 'centred'); // [N, H, W, 3]
  return b.node('Div', [centred, b.scalar('std', [...normalize.std], [3])], {}, 'normalised'); // [N, H, W, 3]
}

function emitL2Normalize(b: OnnxGraphBuilder, y: string, outputName: string): string {
  const norm = b.node('ReduceL2', [y], { axes: { ints: [1] }, keepdims: { int: 1 } }, 'l2_norm'); // [N, 1]
  const safe = b.node('Max', [norm, b.scalar('l2_eps', [1e-12])], {}, 'l2_norm_clamped'); // [N, 1]
  return b.node('Div', [y, safe], {}, outputName, outputName); // [N, D]
}

/** The ONNX model of `module`'s eval-mode forward (see the file comment). */
export function exportOnnx(module: Module, options: OnnxExportOptions = {}): OnnxModelGraph {
  const inputType = options.input ?? 'float32';
  const want = options.output ?? 'embedding';
  if (inputType === 'uint8' && !options.normalize) throw new OnnxExportError("input 'uint8' needs normalize: {mean, std}");
  if (want === 'features' && !(module instanceof Encoder)) throw new OnnxExportError("output 'features' applies to an Encoder only");

  const b = new OnnxGraphBuilder(module.constructor.name);
  const isHead = module instanceof ProjectionHead;
  if (isHead && inputType === 'uint8') throw new OnnxExportError("a ProjectionHead takes features, not 'uint8' pixels");
  const inputName = b.input(inputType === 'uint8' ? 'pixels' : 'input', inputType, isHead ? ['N', module.config.inFeatures] : ['N', 'H', 'W', 3]);
  let y: string;
  let outputDim: number;
  if (isHead) {
    y = emitProjectionHead(b, module, inputName, '');
    outputDim = module.config.outFeatures;
  } else {
    const nhwc = inputType === 'uint8' ? emitNormalize(b, inputName, options.normalize!) : inputName;
    const x = b.node('Transpose', [nhwc], { perm: { ints: [0, 3, 1, 2] } }, 'nchw'); // [N, 3, H, W]
    if (module instanceof Encoder) {
      y = emitBackbone(b, module.backbone, x, 'backbone'); // [N, featureDim]
      outputDim = module.backbone.featureDim;
      if (want === 'embedding') {
        y = emitProjectionHead(b, module.fc, y, 'fc'); // [N, embedDim]
        outputDim = module.embeddingDim;
      }
    } else if (isExportableBackbone(module)) {
      y = emitBackbone(b, module, x, '');
      outputDim = module.featureDim;
    } else {
      throw new OnnxExportError(`${module.constructor.name} has no ONNX export (an Encoder, a ProjectionHead, or a ResNet, MobileNetV3Large, EfficientNetB0 backbone)`);
    }
  }
  const outputName = options.l2Normalize ? 'embedding_l2' : module instanceof Encoder && want === 'features' ? 'features' : 'output';
  y = options.l2Normalize ? emitL2Normalize(b, y, outputName) : b.node('Identity', [y], {}, outputName, outputName);
  b.output(y, 'float32', ['N', outputDim]);
  const doc = `disco ${module.constructor.name}: eval-mode forward, BatchNorm folded; input ${inputType} NHWC; output ${want}${options.l2Normalize ? ', L2-normalised' : ''}`;
  return { bytes: b.build(doc), inputName, inputType, outputName, outputDim, nodeCount: b.nodeCount };
}
