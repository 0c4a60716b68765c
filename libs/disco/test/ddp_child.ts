/**
 * One process of data_parallel.test.ts: trains STEPS steps of a tiny ResNet-18 on a global batch
 * of N = 8, either alone (`single`: the whole batch, the student's BatchNorm over groups of
 * N/W — what W replicas each see — and key permutations that keep each replica's images
 * together) or as replica `rank` of `world` (its shard of N/W, gradients averaged over c10d,
 * keys gathered), then prints its whole state as JSON.
 * argv: single|replica rank world rendezvous mode shuffleBn
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, ProcessGroup } from '@disco/tensor';
import { InitRng, normal, randomPermutation } from '@disco/models';
import { DiscoTrainer, type AlgoConfig, type LossMode, type ShuffleBnMode } from '@disco/disco';

/** uniform draws of the seeded generator `seed`. */
function uniformOf(seed: number): () => number {
  const rng = new InitRng(seed);
  return () => rng.uniform();
}
import { tinyConfig, tinyEncoder, unitRows } from './tiny.ts';

const [role, rankArg, worldArg, rendezvous, modeArg, shuffleArg] = process.argv.slice(2);
const rank = Number(rankArg), world = Number(worldArg), mode = modeArg as LossMode, shuffleBn = shuffleArg as ShuffleBnMode;
const N = 8, STEPS = 3, SIZE = 8;
const n = N / world;

await initBackend('native');
const single = role === 'single';
const config: AlgoConfig = tinyConfig({
  mode, batchSize: N, worldSize: single ? 1 : world, shuffleBn: single ? 'ghost' : shuffleBn,
  // Alone, BatchNorm as each replica computes it: the student over groups of n; the keys in ghost
  // batches that are each replica's (ghost mode: 2 per replica; ddp mode: one slice of n each).
  ghostBatchSize: shuffleBn === 'ddp' ? n : 2, studentBnBatch: single ? n : 0,
  m: 0.9, K: 32,
});
const group = single ? undefined : ProcessGroup.join({ rank, worldSize: world, rendezvous, timeoutMs: 60_000, prefix: 'ddp-test/' });
const trainer = new DiscoTrainer(config, { buildEncoder: () => tinyEncoder(config), teacherDim: mode === 'mocov2' ? undefined : config.embedDim, collective: group });

for (let step = 0; step < STEPS; step++) {
  const rng = new InitRng(1000 + step);
  const [x1, x2] = [normal(rng, [N, SIZE, SIZE, 3], 1), normal(rng, [N, SIZE, SIZE, 3], 1)]; // [N, 8, 8, 3]
  const [t1, t2] = [unitRows(rng, N, config.embedDim), unitRows(rng, N, config.embedDim)]; // [N, D]
  // Key permutations: ghost mode permutes within each replica's shard (the same local order on every replica); ddp mode shuffles the global batch.
  const local = Array.from(randomPermutation(n, uniformOf(2000 + step)));
  const global = Array.from(randomPermutation(N, uniformOf(3000 + step)));
  const shard = (t: tf.Tensor) => (single ? t : tf.slice(t, rank * n, n));
  const permutation = shuffleBn === 'ddp' ? global : single ? Array.from({ length: world }, (_, r) => local.map((i) => i + r * n)).flat() : local;
  trainer.trainStep({ batchId: `ddp/0/${step}`, epoch: 0, x1: shard(x1), x2: shard(x2), t1: shard(t1), t2: shard(t2), permutation });
}
trainer.checkReplicasAgree();
const state = trainer.save();
console.log(JSON.stringify({ role, rank, tensors: Object.fromEntries([...state.tensors].map(([k, v]) => [k, Array.from(v.data as Float32Array)])), queuePtr: state.metadata.queuePtr }));
group?.leave();
