/**
 * The models a bench can time, by name. Each is described by the numbers both sides need to
 * build the same network: ours via `@disco/models`, PyTorch via `pytorch_resnet.py`.
 */
import { ResNet, type ResNetDepth, type Stem } from '@disco/models';
import { BenchUsageError } from './errors.ts';

export interface BenchModelSpec {
  depth: ResNetDepth;
  stem: Stem;
  /** Input side in pixels when `--size` is not given. */
  defaultSize: number;
}

export const BENCH_MODELS: Record<string, BenchModelSpec> = {
  'resnet18-cifar': { depth: 18, stem: 'cifar', defaultSize: 32 },
  resnet18: { depth: 18, stem: 'imagenet', defaultSize: 224 },
  resnet50: { depth: 50, stem: 'imagenet', defaultSize: 224 },
};

export const BENCH_MODEL_NAMES = Object.keys(BENCH_MODELS);

export function benchModel(name: string): BenchModelSpec {
  const spec = BENCH_MODELS[name];
  if (!spec) throw new BenchUsageError(`--model '${name}' is not one of ${BENCH_MODEL_NAMES.join(', ')}`);
  return spec;
}

/** Our network for `spec` at base width `width` (torchvision: 64). */
export function buildOurs(spec: BenchModelSpec, width: number, seed: number): ResNet {
  return new ResNet({ depth: spec.depth, stem: spec.stem, baseWidth: width, seed });
}

/** The arguments `pytorch_resnet.py` builds the same network from. */
export function pytorchModelArgs(spec: BenchModelSpec, width: number): Record<string, number | string> {
  return { depth: spec.depth, stem: spec.stem, width };
}
