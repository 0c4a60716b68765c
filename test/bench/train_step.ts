/**
 * `npm run bench -- train-step`: one training step (forward with BatchNorm in train mode,
 * backward, momentum-SGD update of every weight) on our engine vs the same step in PyTorch
 * (`pytorch_train_step.py`). Loss: mean of the pooled features squared, on both sides.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients, sgdMomentumStep } from '@disco/tensor';
import { runSideBySide, type SideBySide } from './lib/side_by_side.ts';
import { TRAIN_STEP_FORWARDS } from './lib/flops.ts';
import { BenchRunError } from './lib/errors.ts';
import type { BenchResult } from './lib/result.ts';

/**
 * SGD with PyTorch's momentum form (v ← μv + g; w ← w − lr·v), no weight decay, on both sides;
 * ours is the trainer's update (`sgdMomentumStep`, as libs/disco's TorchSgd calls it).
 */
const LR = 0.01;
const MOMENTUM = 0.9;

export const trainStep: SideBySide = {
  bench: 'train-step',
  describe: `forward (BN train mode) + backward + SGD step (lr ${LR}, momentum ${MOMENTUM}); loss = mean(features²)`,
  flopForwards: TRAIN_STEP_FORWARDS,
  pytorchScript: 'pytorch_train_step.py',
  pytorchArgs: { lr: LR, momentum: MOMENTUM },
  resultFile: (model, width) => (model === 'resnet18-cifar' ? `train-step-w${width}.json` : `train-step-${model}-w${width}.json`),
  prepare(model, x) {
    const params = model.parameters();
    const velocity = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false))); // [same as p] each
    const loss = () =>
      tf.tidy(() => {
        const features = model.forward(x, { bn: 'train' }); // [N, D]
        return tf.mean(tf.square(features)) as tf.Scalar; // []
      });
    return {
      async step() {
        const { value, grads } = tf.variableGrads(loss, params); // [], {name: [same as p]}
        tf.tidy(() => {
          params.forEach((p, i) => {
            const next = sgdMomentumStep(p, grads[p.name], velocity[i], { lr: LR, momentum: MOMENTUM, weightDecay: 0 }); // [same as p] each
            velocity[i].assign(next.buf); // v ← μv + g
            p.assign(next.param); // w ← w − lr·v
          });
        });
        tf.dispose(grads);
        const [cost] = await value.data();
        value.dispose();
        if (!Number.isFinite(cost)) throw new BenchRunError(`train-step: loss is ${cost}`);
      },
      dispose: () => tf.dispose(velocity),
    };
  },
};

export async function run(args: string[]): Promise<BenchResult | undefined> {
  await registerGradients();
  return runSideBySide(trainStep, args);
}
