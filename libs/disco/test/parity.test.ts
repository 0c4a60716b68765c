/**
 * Parity with the PyTorch reference step (test/reference/disco_reference_step.py): two steps of
 * a CIFAR ResNet-18 (width 4) + head from the same weights, batch, queue, teacher embeddings and
 * Shuffle-BN permutation. Loss terms to 1e-5 relative; parameters of the student and the key
 * encoder and the queue to 1e-5 absolute; momentum buffers and BatchNorm running statistics to
 * 1e-5 of their largest entry; logits and head gradients to the tolerances stated below.
 *
 * Each step is checked on its own: after step s the whole state is compared with the
 * reference's, then replaced by it (rounded to float32 on both sides) before step s + 1. Chained
 * float32 steps drift by ~1e-6, enough to flip a ReLU whose input sits that close to zero (one
 * in ~10^5 here), which moves the early layers' gradients by ~1e-3: a test of luck, not parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { Encoder, ProjectionHead, ResNet } from '@disco/models';
import { DiscoTrainer, resolveAlgoConfig, type LossMode, type StepProbe, type TensorRecord } from '@disco/disco';
import { maxAbs, maxAbsDiff, readFixture, withPrefix } from './fixture_io.ts';

await initBackend();
await registerGradients();

const inputs = readFixture('inputs');
const meta = inputs.meta as {
  N: number; size: number; baseWidth: number; headHidden: number; embedDim: number; K: number; ghostBatchSize: number;
  T: number; m: number; seedTs: number; seedTt: number; momentum: number; weightDecay: number; baseLr: number;
  epochs: number; steps: number; startPtr: Record<LossMode, number>;
};

const LOSS_RTOL = 1e-5;
const WEIGHT_ATOL = 1e-5;
/** Logits are up to 1/T = 5 in size. */
const LOGIT_ATOL = 2e-5;
/** Head gradients: relative to the largest entry of each gradient. */
const GRAD_RTOL = 1e-4;

/**
 * `disco` runs with the default reduction (`batchmean`) and λ = N, which equals the reference's
 * `MSELoss(reduction='sum')` on a batch of N; `mse-only` runs with `sum` and λ = 1.
 */
function parityTrainer(mode: LossMode): DiscoTrainer {
  const reduction = mode === 'disco' ? { mseReduction: 'batchmean' as const, lambda: meta.N } : { mseReduction: 'sum' as const, lambda: 1 };
  const config = resolveAlgoConfig({
    mode, K: meta.K, batchSize: meta.N, ghostBatchSize: meta.ghostBatchSize, embedDim: meta.embedDim, headHidden: meta.headHidden,
    T: meta.T, m: meta.m, seedTs: meta.seedTs, seedTt: meta.seedTt, momentum: meta.momentum, weightDecay: meta.weightDecay,
    baseLr: meta.baseLr, epochs: meta.epochs, lrSchedule: 'cosine-epoch', ...reduction,
  });
  const buildEncoder = (): Encoder => {
    const backbone = new ResNet({ depth: 18, stem: 'cifar', baseWidth: meta.baseWidth, seed: 1 });
    return new Encoder(backbone, new ProjectionHead({ inFeatures: backbone.featureDim, hidden: meta.headHidden, outFeatures: meta.embedDim, seed: 2 }));
  };
  const trainer = new DiscoTrainer(config, { buildEncoder, teacherDim: meta.embedDim });
  const state = trainer.save();
  for (const [name, record] of inputs.tensors) {
    if (name.startsWith('student.') || name === 'queue' || (name.startsWith('key.') && mode !== 'seed')) state.tensors.set(name, record);
  }
  state.metadata.queuePtr = meta.startPtr[mode];
  trainer.restore(state);
  return trainer;
}

function tensorOf(name: string): tf.Tensor {
  const r = inputs.tensors.get(name);
  assert.ok(r, `fixture has no ${name}`);
  return tf.tensor(r.data, r.shape, r.dtype);
}

function assertClose(actual: ArrayLike<number>, expected: TensorRecord | undefined, atol: number, what: string): number {
  assert.ok(expected, `fixture has no ${what}`);
  const diff = maxAbsDiff(actual, expected.data);
  assert.ok(diff <= atol, `${what}: max |Δ| ${diff.toExponential(2)} > ${atol}`);
  return diff;
}

function assertRel(actual: number | undefined, expected: number | undefined, what: string): number {
  assert.ok(actual !== undefined && expected !== undefined, `${what}: missing (ours ${actual}, reference ${expected})`);
  const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  assert.ok(rel <= LOSS_RTOL, `${what}: ours ${actual}, reference ${expected}, relative error ${rel.toExponential(2)}`);
  return rel;
}

interface Worst {
  loss: number; logits: number; grad: number; queue: number; weights: number; relative: number;
}

/** Every state tensor of ours against the reference's `ref` (names as ours): the failures. */
function compareState(ours: Map<string, TensorRecord>, ref: Map<string, TensorRecord>, worst: Worst): string[] {
  assert.equal(ours.size, ref.size + 1, 'every state tensor but the queue has a reference value');
  const failures: string[] = [];
  for (const [name, r] of ref) {
    const mine = ours.get(name);
    if (!mine) {
      failures.push(`our state has no ${name}`);
      continue;
    }
    // Parameters: absolute. Momentum buffers (gradient-sized; the MSE sum makes them large) and
    // BatchNorm running statistics (variances of activations reach ~30 here) are compared
    // relative to their largest entry (floored at 1): float32 carries ~1e-7 of it.
    const relative = name.startsWith('sgd.') || name.includes('.running_');
    const err = maxAbsDiff(mine.data, r.data) / (relative ? Math.max(maxAbs(r.data), 1) : 1);
    if (err > WEIGHT_ATOL) failures.push(`${name}: ${relative ? 'max |Δ|/max|ref|' : 'max |Δ|'} ${err.toExponential(2)} (max|ref| ${maxAbs(r.data).toPrecision(3)})`);
    if (relative) worst.relative = Math.max(worst.relative, err);
    else worst.weights = Math.max(worst.weights, err);
  }
  return failures;
}

for (const mode of ['mocov2', 'disco', 'mse-only', 'seed'] as const) {
  test(`one step matches the PyTorch reference: ${mode}`, (t) => {
    const expected = readFixture(`expected_${mode}`);
    const ex = expected.scalars;
    const trainer = parityTrainer(mode);
    const worst: Worst = { loss: 0, logits: 0, grad: 0, queue: 0, weights: 0, relative: 0 };
    const distillScale = mode === 'disco' ? meta.N : 1; // ours is batchmean, the reference's a sum
    for (let s = 0; s < meta.steps; s++) {
      const batch = { x1: tensorOf(`step${s}.x1`), x2: tensorOf(`step${s}.x2`), t1: tensorOf(`step${s}.t1`), t2: tensorOf(`step${s}.t2`) };
      const permutation = inputs.tensors.get(`step${s}.perm`)!.data;
      const onProbe = (p: StepProbe): void => {
        if (p.logits) worst.logits = Math.max(worst.logits, assertClose(p.logits.dataSync(), expected.tensors.get(`step${s}.logits`), LOGIT_ATOL, `step ${s} logits`));
        for (const [name, g] of p.grads) {
          if (!name.startsWith('fc.')) continue;
          const ref = expected.tensors.get(`step${s}.grad.${name}`);
          assert.ok(ref, `fixture has no gradient of ${name}`);
          const rel = maxAbsDiff(g.dataSync(), ref.data) / maxAbs(ref.data);
          assert.ok(rel <= GRAD_RTOL, `step ${s} grad ${name}: max |Δ|/max|g| ${rel.toExponential(2)} > ${GRAD_RTOL}`);
          worst.grad = Math.max(worst.grad, rel);
        }
      };
      const r = trainer.trainStep({ batchId: `parity/${mode}/${s}`, epoch: s, ...batch, permutation }, onProbe);
      tf.dispose(Object.values(batch));
      assert.ok(Math.abs(r.lr - ex[`step${s}.lr`]) <= 1e-12 * ex[`step${s}.lr`], `step ${s} lr ${r.lr} vs ${ex[`step${s}.lr`]}`);
      const rels = [assertRel(r.loss, ex[`step${s}.loss`], `step ${s} loss`)];
      if (mode === 'seed') rels.push(assertRel(r.terms.seed, ex[`step${s}.seed`], `step ${s} seed`));
      else rels.push(assertRel(r.terms.contrastive, ex[`step${s}.contrastive`], `step ${s} contrastive`));
      if (mode === 'disco' || mode === 'mse-only') {
        rels.push(assertRel(r.terms.distill1! * distillScale, ex[`step${s}.distill1`], `step ${s} distill1`));
        rels.push(assertRel(r.terms.distill2! * distillScale, ex[`step${s}.distill2`], `step ${s} distill2`));
      }
      worst.loss = Math.max(worst.loss, ...rels);
      const state = trainer.save();
      assert.equal(state.metadata.queuePtr, ex[`step${s}.queuePtr`], `step ${s} queue pointer`);
      worst.queue = Math.max(worst.queue, assertClose(state.tensors.get('queue')!.data, expected.tensors.get(`step${s}.queue`), WEIGHT_ATOL, `step ${s} queue`));
      if (s + 1 < meta.steps) {
        const ref = withPrefix(expected.tensors, `step${s}.state.`);
        assert.deepEqual(compareState(state.tensors, ref, worst), [], `after step ${s}, beyond ${WEIGHT_ATOL}`);
        // The next step starts from the reference's state, as the reference's does.
        for (const [name, record] of ref) state.tensors.set(name, record);
        state.tensors.set('queue', expected.tensors.get(`step${s}.queue`)!);
        trainer.restore(state);
      }
    }
    const final = trainer.save().tensors;
    const failures = compareState(final, withPrefix(expected.tensors, 'final.'), worst);
    const moved = Math.max(...[...withPrefix(inputs.tensors, 'student.')].filter(([n]) => !n.includes('.running_')).map(([n, r]) => maxAbsDiff(final.get(`student.${n}`)!.data, r.data)));
    assert.ok(moved > 100 * WEIGHT_ATOL, `the steps moved the student by only ${moved}: the comparison would be vacuous`);
    assert.deepEqual(failures, [], `after ${meta.steps} steps, beyond ${WEIGHT_ATOL}`);
    t.diagnostic(`${mode}: worst loss rel ${worst.loss.toExponential(2)}, logits ${mode === 'seed' ? 'n/a' : worst.logits.toExponential(2)}, head grad rel ${worst.grad.toExponential(2)}, queue ${worst.queue.toExponential(2)}, parameters abs ${worst.weights.toExponential(2)}, momentum + running stats rel ${worst.relative.toExponential(2)}; student moved up to ${moved.toPrecision(2)}`);
    trainer.dispose();
  });
}
