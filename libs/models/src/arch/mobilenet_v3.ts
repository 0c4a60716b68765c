/**
 * torchvision's `mobilenet_v3_large` (Howard et al. 2019) as a feature backbone.
 *
 * DisCo's MobileNet-v3-Large student gives 1280-d features, but torchvision's `features` end at
 * 960 channels: its 960 → 1280 layer is `classifier.0` (Linear + Hardswish), followed by Dropout
 * and the 1000-way `classifier.3`. Our backbone is therefore `features` → global average pool →
 * `classifier.0` → hard-swish, and stops there (no Dropout, no `classifier.3`). The names stay
 * torchvision's (`features.0.0.weight`, `features.1.block.0.0.weight`, `classifier.0.weight`),
 * so a torchvision state dict minus `classifier.3.*` (and BN `num_batches_tracked`) maps 1:1.
 *
 * BatchNorm: eps 0.001, momentum 0.01 (torchvision's `norm_layer` for MobileNet-v3). The width
 * multiplier goes through `_make_divisible(c · width, 8)` for every channel count, including the
 * 1280 (so width 0.25 gives 320-d features), exactly as `mobilenet_v3_large(width_mult=…)`.
 * Init follows torchvision: convs kaiming-normal (fan_out), conv biases 0, BN 1/0, the Linear
 * N(0, 0.01²) with bias 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type ForwardOptions } from '../nn/module.ts';
import { Linear, Sequential } from '../nn/layers.ts';
import { InitRng } from '../nn/rng.ts';
import { Activation, type ActivationName } from '../nn/activations.ts';
import { SqueezeExcitation } from '../nn/squeeze_excitation.ts';
import { convNormActivation, type BatchNormConfig } from '../nn/conv_norm_activation.ts';
import { makeDivisible } from '../nn/make_divisible.ts';
import { globalAvgPool } from '../nn/pooling.ts';
import { checkWidth } from './width.ts';

export interface MobileNetV3Config {
  /** Width multiplier (torchvision `width_mult`, 1 = full size). */
  width: number;
  /** Seed of the weight initialiser. */
  seed: number;
}

const BN: BatchNormConfig = { eps: 0.001, momentum: 0.01 };

/** One row of the paper's Table 1 (torchvision's `bneck_conf`), before the width multiplier. */
interface BneckRow {
  input: number;
  kernel: number;
  expanded: number;
  out: number;
  se: boolean;
  activation: 'relu' | 'hardswish';
  stride: 1 | 2;
}

const row = (input: number, kernel: number, expanded: number, out: number, se: boolean, act: 'RE' | 'HS', stride: 1 | 2): BneckRow => ({
  input, kernel, expanded, out, se, activation: act === 'RE' ? 'relu' : 'hardswish', stride,
});

// torchvision `_mobilenet_v3_conf("mobilenet_v3_large")`: in, k, expanded, out, SE, act, stride.
const LARGE: readonly BneckRow[] = [
  row(16, 3, 16, 16, false, 'RE', 1),
  row(16, 3, 64, 24, false, 'RE', 2),
  row(24, 3, 72, 24, false, 'RE', 1),
  row(24, 5, 72, 40, true, 'RE', 2),
  row(40, 5, 120, 40, true, 'RE', 1),
  row(40, 5, 120, 40, true, 'RE', 1),
  row(40, 3, 240, 80, false, 'HS', 2),
  row(80, 3, 200, 80, false, 'HS', 1),
  row(80, 3, 184, 80, false, 'HS', 1),
  row(80, 3, 184, 80, false, 'HS', 1),
  row(80, 3, 480, 112, true, 'HS', 1),
  row(112, 3, 672, 112, true, 'HS', 1),
  row(112, 5, 672, 160, true, 'HS', 2),
  row(160, 5, 960, 160, true, 'HS', 1),
  row(160, 5, 960, 160, true, 'HS', 1),
];
const LAST_CHANNEL = 1280;

/** torchvision's MobileNet-v3 `InvertedResidual`: [expand 1×1] → depthwise → [SE] → project 1×1, residual when shapes allow. */
class InvertedResidual extends Module {
  private readonly block: Sequential;
  private readonly residual: boolean;

  constructor(r: BneckRow, width: number, rng: InitRng) {
    super();
    const cin = makeDivisible(r.input * width);
    const cexp = makeDivisible(r.expanded * width);
    const cout = makeDivisible(r.out * width);
    const act: ActivationName = r.activation;
    this.residual = r.stride === 1 && cin === cout;
    const layers: Module[] = [];
    if (cexp !== cin) layers.push(convNormActivation({ inChannels: cin, outChannels: cexp, kernel: 1, activation: act, bn: BN }, rng));
    layers.push(
      convNormActivation({ inChannels: cexp, outChannels: cexp, kernel: r.kernel, stride: r.stride, groups: cexp, activation: act, bn: BN }, rng),
    );
    if (r.se) {
      const squeeze = makeDivisible(Math.floor(cexp / 4));
      layers.push(new SqueezeExcitation({ channels: cexp, squeezeChannels: squeeze, activation: 'relu', scaleActivation: 'hardsigmoid' }, rng));
    }
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

/** MobileNet-v3-Large feature extractor: [N, H, W, 3] → [N, featureDim] (1280 at width 1). */
export class MobileNetV3Large extends Module {
  readonly featureDim: number;
  private readonly features: Sequential;
  private readonly classifier: Sequential;

  constructor(readonly config: MobileNetV3Config) {
    super();
    const { width } = config;
    checkWidth('MobileNetV3Large', width);
    const rng = new InitRng(config.seed);
    const stem = makeDivisible(LARGE[0].input * width);
    const layers: Module[] = [convNormActivation({ inChannels: 3, outChannels: stem, kernel: 3, stride: 2, activation: 'hardswish', bn: BN }, rng)];
    for (const r of LARGE) layers.push(new InvertedResidual(r, width, rng));
    const lastIn = makeDivisible(LARGE[LARGE.length - 1].out * width);
    const lastOut = 6 * lastIn;
    layers.push(convNormActivation({ inChannels: lastIn, outChannels: lastOut, kernel: 1, activation: 'hardswish', bn: BN }, rng));
    this.features = this.child('features', new Sequential(layers));
    this.featureDim = makeDivisible(LAST_CHANNEL * width);
    this.classifier = this.child(
      'classifier',
      new Sequential([new Linear(lastOut, this.featureDim, rng, true, { normalStd: 0.01 }), new Activation('hardswish')]),
    );
  }

  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => {
      const h = this.features.forward(x, opts); // [N, H/32, W/32, 6·c160]
      return this.classifier.forward(globalAvgPool(h), opts); // [N, featureDim]
    });
  }
}
