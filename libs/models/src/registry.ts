/**
 * The model zoo as one explicit list: name → family, feature size, full-size parameter count
 * and a factory. `createBackbone`/`createEncoder` are the only way services build models
 * (so a model named in a config or a checkpoint is built the same way everywhere; the classes
 * stay exported for tests and importers). Weights are set afterwards with `Module.loadState` (strict about names and
 * shapes), e.g. by the checkpoint importers.
 *
 * `width` is a multiplier everywhere (1 = the published model): for ResNets the stem and first
 * stage get 64·width channels (must be a whole number: 0.25 → 16); for MobileNet-v3 and
 * EfficientNet it is torchvision's `width_mult` (channels rounded by `_make_divisible`).
 *
 * `parameters` are the full-size (width 1) backbone counts; test/param_counts.test.ts builds
 * every model and asserts them against the numbers derived with torchvision 0.14.
 */
import { ResNet, type ResNetDepth, type Stem } from './arch/resnet.ts';
import { MobileNetV3Large } from './arch/mobilenet_v3.ts';
import { EfficientNetB0 } from './arch/efficientnet.ts';
import { Encoder, type Backbone } from './arch/encoder.ts';
import { ProjectionHead } from './arch/projection_head.ts';

export type ModelFamily = 'resnet' | 'mobilenetv3' | 'efficientnet';

/** What `disco info --json` shows for each model. */
export interface ModelInfo {
  name: string;
  family: ModelFamily;
  /** Backbone output size at width 1. */
  featureDim: number;
  /** Trainable parameters of the full-size backbone (no classifier, no head). */
  parameters: number;
  /** The input size the architecture is meant for (px). */
  inputSize: number;
  description: string;
}

interface ModelEntry extends ModelInfo {
  build(width: number, seed: number): Backbone;
}

export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
}

function resnet(depth: ResNetDepth, stem: Stem, featureDim: number, parameters: number): ModelEntry {
  const cifar = stem === 'cifar';
  return {
    name: `resnet${depth}${cifar ? '-cifar' : ''}`,
    family: 'resnet',
    featureDim,
    parameters,
    inputSize: cifar ? 32 : 224,
    description: `torchvision ResNet-${depth}${cifar ? ' with a CIFAR stem (3×3/1 conv, no max-pool)' : ''}`,
    build(width, seed) {
      const baseWidth = 64 * width;
      if (!Number.isInteger(baseWidth) || baseWidth < 1) {
        throw new RangeError(`resnet${depth}: width ${width} gives ${baseWidth} stem channels; 64·width must be a positive whole number`);
      }
      return new ResNet({ depth, stem, baseWidth, seed });
    },
  };
}

/** Every model disco knows, in display order. */
const MODELS: readonly ModelEntry[] = Object.freeze([
  resnet(18, 'imagenet', 512, 11_176_512),
  resnet(34, 'imagenet', 512, 21_284_672),
  resnet(50, 'imagenet', 2048, 23_508_032),
  resnet(101, 'imagenet', 2048, 42_500_160),
  resnet(152, 'imagenet', 2048, 58_143_808),
  resnet(18, 'cifar', 512, 11_168_832),
  resnet(34, 'cifar', 512, 21_276_992),
  resnet(50, 'cifar', 2048, 23_500_352),
  {
    name: 'mobilenetv3-large',
    family: 'mobilenetv3',
    featureDim: 1280,
    parameters: 4_202_032,
    inputSize: 224,
    description: "torchvision mobilenet_v3_large: features + classifier.0 (960→1280, hard-swish)",
    build: (width, seed) => new MobileNetV3Large({ width, seed }),
  },
  {
    name: 'efficientnet-b0',
    family: 'efficientnet',
    featureDim: 1280,
    parameters: 4_007_548,
    inputSize: 224,
    description: 'torchvision efficientnet_b0 features (no stochastic depth)',
    build: (width, seed) => new EfficientNetB0({ width, seed }),
  },
]);

/** The valid model names, in display order. */
export const MODEL_NAMES: readonly string[] = Object.freeze(MODELS.map((m) => m.name));

function entry(name: string): ModelEntry {
  const found = MODELS.find((m) => m.name === name);
  if (!found) throw new UnknownModelError(`unknown model '${name}'; valid names: ${MODEL_NAMES.join(', ')}`);
  return found;
}

function info({ build: _build, ...rest }: ModelEntry): ModelInfo {
  return { ...rest };
}

/** Every model with its family, feature size and full-size parameter count. */
export function listModels(): ModelInfo[] {
  return MODELS.map(info);
}

/** One model's entry; throws UnknownModelError listing the valid names. */
export function modelInfo(name: string): ModelInfo {
  return info(entry(name));
}

export interface BackboneOptions {
  /** Width multiplier, default 1 (the published model). */
  width?: number;
  /** Seed of the weight initialiser. */
  seed: number;
}

/** Builds the named backbone with seeded random weights: [N, H, W, 3] → [N, featureDim]. */
export function createBackbone(name: string, opts: BackboneOptions): Backbone {
  return entry(name).build(opts.width ?? 1, opts.seed);
}

export interface EncoderOptions extends BackboneOptions {
  /** Hidden width of the projection head (DisCo's `headHidden`, 2048 in the paper). */
  headHidden: number;
  /** Embedding size (MoCo-v2: 128). */
  embedDim: number;
}

/**
 * Backbone + projection head `Linear(featureDim, headHidden) → ReLU → Linear(headHidden,
 * embedDim)`. The backbone is seeded with `seed`, the head with `seed + 1`.
 */
export function createEncoder(name: string, opts: EncoderOptions): Encoder {
  const backbone = createBackbone(name, opts);
  const head = new ProjectionHead({ inFeatures: backbone.featureDim, hidden: opts.headHidden, outFeatures: opts.embedDim, seed: opts.seed + 1 });
  return new Encoder(backbone, head);
}
