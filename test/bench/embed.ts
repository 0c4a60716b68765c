/**
 * `npm run bench -- embed`: the frozen teacher's forward (BatchNorm in eval mode, no
 * gradients) on our engine vs PyTorch's `torch.no_grad()` eval forward (`pytorch_embed.py`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { runSideBySide, type SideBySide } from './lib/side_by_side.ts';
import type { BenchResult } from './lib/result.ts';

export const embed: SideBySide = {
  bench: 'embed',
  describe: 'frozen forward to pooled features, BN eval mode, no gradients',
  flopForwards: 1,
  pytorchScript: 'pytorch_embed.py',
  pytorchArgs: {},
  resultFile: (model, width) => `embed-${model}-w${width}.json`,
  prepare(model, x) {
    model.setTrainable(false);
    return {
      async step() {
        const features = tf.tidy(() => model.forward(x, { bn: 'eval' })); // [N, D]
        await features.data();
        features.dispose();
      },
      dispose: () => model.setTrainable(true),
    };
  },
};

export function run(args: string[]): Promise<BenchResult | undefined> {
  return runSideBySide(embed, args);
}
