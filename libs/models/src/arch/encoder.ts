/**
 * An encoder = backbone + projection head, named `backbone.*` and `fc.*`. `embed` returns the
 * head's output (not normalised); `features` the backbone's pooled features (what is deployed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type ForwardOptions } from '../nn/module.ts';
import { ProjectionHead } from './projection_head.ts';

/** What every backbone in the zoo provides. */
export interface Backbone extends Module {
  readonly featureDim: number;
}

export class Encoder extends Module {
  constructor(readonly backbone: Backbone, readonly fc: ProjectionHead) {
    super();
    if (fc.config.inFeatures !== backbone.featureDim) {
      throw new RangeError(`Encoder: head expects ${fc.config.inFeatures} features but the backbone gives ${backbone.featureDim}`);
    }
    this.child('backbone', backbone);
    this.child('fc', fc);
  }

  get embeddingDim(): number {
    return this.fc.config.outFeatures;
  }

  /** [N, H, W, 3] → [N, out] head output. */
  forward(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return tf.tidy(() => this.fc.forward(this.backbone.forward(x, opts)));
  }

  /** [N, H, W, 3] → [N, featureDim] backbone features. */
  features(x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return this.backbone.forward(x, opts);
  }
}
