/**
 * The deterministic stand-in for a rejected image, so a batch never shrinks: attempt a (1, 2,
 * ...) for the image at `index` draws uniformly among the other images from PRNG stream
 * (runSeed, epoch, index, REPLACEMENT_STREAM + a). The stand-in's views then use streams
 * (runSeed, epoch, index, 2a + view): they differ from its views in its own slot.
 */
import { UnfillableBatchError } from './errors.ts';
import { CounterRng, REPLACEMENT_STREAM } from './prng.ts';

export function replacementIndex(runSeed: number, epoch: number, index: number, attempt: number, length: number): number {
  if (length < 2) throw new UnfillableBatchError(`image ${index} was rejected and a dataset of ${length} has no other image to replace it`);
  const rng = new CounterRng(runSeed, epoch, index, REPLACEMENT_STREAM + attempt);
  const j = rng.below(length - 1);
  return j >= index ? j + 1 : j;
}
