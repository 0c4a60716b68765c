/**
 * torchvision's `efficientnet_b0` (Tan & Le 2019) as a feature backbone: `features` (stem,
 * seven MBConv stages, 1×1 head conv to 4·c320 = 1280 channels) → global average pool. The
 * classifier (Dropout + Linear) is not part of the backbone. Names are torchvision's
 * (`features.0.0.weight`, `features.1.0.block.1.fc1.weight`, `features.8.1.running_var`).
 *
 * - BatchNorm: torchvision 0.14's `efficientnet_b0` passes no `norm_layer`, so it is plain
 *   `nn.BatchNorm2d`: eps 1e-5, momentum 0.1 (only B5–B7 use eps 0.001, momentum 0.01).
 * - Width multiplier: every channel count is `_make_divisible(c · width, 8)` as in
 *   `MBConvConfig.adjust_channels`; expanded = `_make_divisible(cin · ratio, 8)`; SE squeeze =
 *   max(1, cin // 4) of the block's *input* channels; depth multiplier 1 (B0).
 * - Stochastic depth is omitted: torchvision drops whole residual branches with probability
 *   0.2 · block/16 in training and is the identity in eval, so eval outputs (and imported
 *   weights) are unaffected; training our student without it is a documented deviation.
 * Init follows torchvision: convs kaiming-normal (fan_out), conv biases 0, BN 1/0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type ForwardOptions } from '../nn/module.ts';
import { Sequential } from '../nn/layers.ts';
import { InitRng } from '../nn/rng.ts';
import { SqueezeExcitation } from '../nn/squeeze_excitation.ts';
import { convNormActivation, type BatchNormConfig } from '../nn/conv_norm_activation.ts';
import { makeDivisible } from '../nn/make_divisible.ts';
import { globalAvgPool } from '../nn/pooling.ts';
import { checkWidth } from './width.ts';

export interface EfficientNetConfig {
  /** Width multiplier (torchvision `width_mult`, 1 = B0 full size). */
  width: number;
  /** Seed of the weight initialiser. */
  seed: number;
}

const BN: BatchNormConfig = { eps: 1e-5, momentum: 0.1 };

/** One stage of the paper's Table 1 (torchvision's `bneck_conf`), before the width multiplier. */
interface StageRow {
  expandRatio: number;
  kernel: number;
  stride: 1 | 2;
  input: number;
  out: number;
  layers: number;
}

const stage = (expandRatio: number, kernel: number, stride: 1 | 2, input: number, out: number, layers: number): StageRow => ({
  expandRatio, kernel, stride, input, out, layers,
});

// torchvision `_efficientnet_conf("efficientnet_b0")`: expand ratio, k, stride, in, out, layers.
const B0: readonly StageRow[] = [
  stage(1, 3, 1, 32, 16, 1),
  stage(6, 3, 2, 16, 24, 2),
  stage(6, 5, 2, 24, 40, 2),
  stage(6, 3, 2, 40, 80, 3),
  stage(6, 5, 1, 80, 112, 3),
  stage(6, 5, 2, 112, 192, 4),
  stage(6, 3, 1, 192, 320, 1),
];

/** torchvision's `MBConv`: [expand 1×1] → depthwise → SE → project 1×1, residual when shapes allow. */
class MBConv extends Module {
  private readonly block: Sequential;
  private readonly residual: boolean;

  constructor(cin: number, cout: number, expandRatio: number, kernel: number, stride: number, rng: InitRng) {
    super();
    this.residual = stride === 1 && cin === cout;
    const cexp = makeDivisible(cin * expandRatio);
    const layers: Module[] = [];
    if (cexp !== cin) layers.push(convNormActivation({ inChannels: cin, outChannels: cexp, kernel: 1, activation: 'silu', bn: BN }, rng));
    layers.push(convNormActivation({ inChannels: cexp, outChannels: cexp, kernel, stride, groups: cexp, activation: 'silu', bn: BN }, rng));
    const squeeze = Math.max(1, Math.floor(cin / 4));
    layers.push(new SqueezeExcitation({ channels: cexp, squeezeChannels: squeeze, activation: 'silu', scaleActivation: 'sigmoid' }, rng));
    layers.push(convNormActivation({ inChannels: cexp, outChannels: cout, kernel: 1, activation: null, bn: BN }, rng));
    this.block = this.child('block', new Sequential(layers));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      const y = this.block.forward(x, opts); // [N, H/stride, W/stride, cout]
      return this.residual ? tf.add(y, x) : y;
    });
  }
}

/** EfficientNet-B0 feature extractor: [N, H, W, 3] → [N, featureDim] (1280 at width 1). */
export class EfficientNetB0 extends Module {
  readonly featureDim: number;
  private readonly features: Sequential;

  constructor(readonly config: EfficientNetConfig) {
    super();
    const { width } = config;
    checkWidth('EfficientNetB0', width);
    const rng = new InitRng(config.seed);
    const ch = (c: number) => makeDivisible(c * width);
    const layers: Module[] = [convNormActivation({ inChannels: 3, outChannels: ch(B0[0].input), kernel: 3, stride: 2, activation: 'silu', bn: BN }, rng)];
    for (const s of B0) {
      const blocks: Module[] = [];
      for (let i = 0; i < s.layers; i++) {
        const cin = i === 0 ? ch(s.input) : ch(s.out);
        blocks.push(new MBConv(cin, ch(s.out), s.expandRatio, s.kernel, i === 0 ? s.stride : 1, rng));
      }
      layers.push(new Sequential(blocks));
    }
    const lastIn = ch(B0[B0.length - 1].out);
    this.featureDim = 4 * lastIn;
    layers.push(convNormActivation({ inChannels: lastIn, outChannels: this.featureDim, kernel: 1, activation: 'silu', bn: BN }, rng));
    this.features = this.child('features', new Sequential(layers));
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => globalAvgPool(this.features.forward(x, opts))); // [N, featureDim]
  }
}
