/**
 * `npm run bench -- train-step`: one training step (forward with BatchNorm in train mode,
 * backward, momentum-SGD update of every weight) on our engine vs the same step in PyTorch
 * (`pytorch_train_step.py`). Loss: mean of the pooled features squared, on both sides.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TorchSgd } from '@disco/disco';
import { registerGradients } from '@disco/tensor';
import { runSideBySide, type SideBySide } from './lib/side_by_side.ts';
import { TRAIN_STEP_FORWARDS } from './lib/flops.ts';
import { BenchRunError } from './lib/errors.ts';
import type { BenchResult } from './lib/result.ts';

/**
 * SGD with PyTorch's momentum form (v ← μv + g; w ← w − lr·v), no weight decay, on both sides;
 * ours is the trainer's own optimiser (libs/disco's TorchSgd).
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
    const params = model.namedTensors().filter((t) => t.kind === 'param');
    const sgd = new TorchSgd(params, { momentum: MOMENTUM, weightDecay: 0 });
    const loss = () =>
      tf.tidy(() => {
        const features = model.forward(x, { bn: 'train' }); // [N, D]
        return tf.mean(tf.square(features)) as tf.Scalar; // []
      });
    return {
      async step() {
        const { value, grads } = tf.variableGrads(loss, params.map((p) => p.variable)); // [], {variable name: [same as p]}
        sgd.step(new Map(params.map((p) => [p.name, grads[p.variable.name]])), LR);
        tf.dispose(grads);
        const [cost] = await value.data();
        value.dispose();
        if (!Number.isFinite(cost)) throw new BenchRunError(`train-step: loss is ${cost}`);
      },
      dispose: () => sgd.dispose(),
    };
  },
};

export async function run(args: string[]): Promise<BenchResult | undefined> {
  await registerGradients();
  return runSideBySide(trainStep, args);
}
