/**
 * One rank of `npm run bench -- allreduce` (a child process): joins a c10d group through disco's
 * native addon and times what a data-parallel step spends on communication —
 * `averageGradients` of FLOATS gradient values held in tfjs tensors (two parameters per 25 MiB
 * bucket: read out, all-reduce, divide, new tensors), exactly as libs/disco's step does it.
 * With `--step`, instead times whole DisCo steps of a ResNet-18 replica and their collective share.
 * Rank 0 prints one JSON line.
 * argv: rank world rendezvous floats iters warmup [step: model batchPerReplica size]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, ProcessGroup } from '@disco/tensor';
import { averageGradients, BUCKET_FLOATS, createDiscoTrainer, resolveAlgoConfig } from '@disco/disco';
import { createEncoder } from '@disco/models';

const [rankArg, worldArg, rendezvous, floatsArg, itersArg, warmupArg, mode, model, batchArg, sizeArg] = process.argv.slice(2);
const [rank, world, floats, iters, warmup] = [rankArg, worldArg, floatsArg, itersArg, warmupArg].map(Number);
await initBackend('native');
const group = world > 1 ? ProcessGroup.join({ rank, worldSize: world, rendezvous, timeoutMs: 120_000, prefix: 'bench/' }) : undefined;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

if (mode === 'step') {
  const batch = Number(batchArg);
  const size = Number(sizeArg);
  const config = resolveAlgoConfig({ mode: 'disco', batchSize: batch * world, worldSize: world, K: 4096, ghostBatchSize: Math.min(32, batch), embedDim: 128, headHidden: 2048 });
  const trainer = await createDiscoTrainer(config, { buildEncoder: () => createEncoder(model, { width: 1, seed: 1, headHidden: 2048, embedDim: 128 }), teacherDim: 128, collective: group });
  const unit = (s: number) => tf.tidy(() => { const g = tf.randomNormal([batch, 128], 0, 1, 'float32', s); return tf.div(g, tf.norm(g, 2, 1, true)); });
  const input = { x1: tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1), x2: tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 2), t1: unit(3), t2: unit(4) };
  const steps: number[] = [];
  const comm: number[] = [];
  for (let i = 0; i < warmup + iters; i++) {
    group?.barrier();
    const t0 = performance.now();
    const r = trainer.trainStep({ batchId: `b/0/${i}`, epoch: 0, ...input });
    const ms = performance.now() - t0;
    if (i >= warmup) {
      steps.push(ms);
      comm.push(r.collective ? 1000 * (r.collective.allreduce + r.collective.gather) : 0);
    }
  }
  if (rank === 0) console.log(JSON.stringify({ step_ms: median(steps), comm_ms: median(comm), samples_ms: steps }));
} else {
  // Two parameters per bucket, as many buckets as the gradient needs (like pytorch_allreduce.py).
  const grads = new Map<string, tf.Tensor>();
  const order: string[] = [];
  let left = floats;
  while (left > 0) {
    const n = Math.min(BUCKET_FLOATS, left);
    for (const [i, m] of [Math.floor(n / 2), n - Math.floor(n / 2)].entries()) {
      const name = `p${order.length}${i}`;
      order.push(name);
      grads.set(name, tf.randomNormal([m], 0, 1, 'float32', order.length));
    }
    left -= n;
  }
  let current = grads;
  const samples: number[] = [];
  for (let i = 0; i < warmup + iters; i++) {
    group!.barrier();
    const t0 = performance.now();
    current = averageGradients(group!, current, order);
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  if (rank === 0) console.log(JSON.stringify({ median_ms: median(samples), samples_ms: samples }));
}
group?.leave();
