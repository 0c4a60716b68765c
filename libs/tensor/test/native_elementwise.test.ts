/**
 * The native elementwise, reduction, data-movement and BatchNorm kernels against cpu: values and
 * gradients, broadcasting, every axis subset, BatchNorm in training (tf.moments + tf.batchNorm,
 * the path disco's models take) and evaluation form, and the replaced gradients (FusedBatchNorm,
 * Mean, Sum, Relu, Square). Tolerance: TOL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameOnNative, isNativeKernel, nativeSuite, values, weightedSum } from './native_compare.ts';

const rand = (shape: number[], seed: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);

const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div],
  ['squaredDifference', tf.squaredDifference], ['maximum', tf.maximum], ['minimum', tf.minimum],
];
const UNARY: [string, (x: tf.Tensor) => tf.Tensor][] = [
  ['relu', tf.relu], ['relu6', tf.relu6], ['square', tf.square], ['sqrt', (x) => tf.sqrt(tf.abs(x))],
  ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.5))], ['neg', tf.neg], ['exp', tf.exp], ['log', (x) => tf.log(tf.add(tf.abs(x), 0.1))],
  ['abs', tf.abs], ['sigmoid', tf.sigmoid], ['tanh', tf.tanh], ['elu', tf.elu], ['leakyRelu', (x) => tf.leakyRelu(x, 0.3)],
  ['step', (x) => tf.step(x, 0.25)],
];

await nativeSuite('elementwise', () => {
  test('the elementwise, reduction, Tile, Transpose and BatchNorm kernels are native', () => {
    for (const k of ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum', 'Relu', 'Step', 'Square', 'Sum', 'Mean', 'Max', 'Min', 'Tile', 'Transpose', 'FusedBatchNorm']) {
      assert.ok(isNativeKernel(k), k);
    }
  });

  test('binary ops and their gradients match cpu with broadcasting (scalar, row, channel, both sides)', async () => {
    for (const [name, op] of BINARY) {
      for (const [sa, sb] of [[[4, 5, 6, 3], [4, 5, 6, 3]], [[4, 5, 6, 3], [3]], [[4, 5, 6, 3], []], [[1, 5, 1, 3], [4, 1, 6, 1]], [[7], [2, 7]]]) {
        // tfjs's SquaredDifference, Maximum and Minimum gradients do not reduce over broadcast axes (on any backend).
        const withGrads = ['add', 'sub', 'mul', 'div'].includes(name) || sa.join() === sb.join();
        await assertSameOnNative(`${name} ${sa} ${sb}`, () => {
          const a = rand(sa, 40); // [sa]
          const b = tf.add(rand(sb, 41), 1.5); // [sb], away from 0 for div
          if (!withGrads) return [op(a, b)]; // [broadcast]
          return [op(a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => weightedSum(op(x, y)))([a, b])]; // [y, da, db]
        });
      }
    }
  });

  test('unary ops and their gradients match cpu', async () => {
    for (const [name, op] of UNARY) {
      await assertSameOnNative(name, () => {
        const x = tf.mul(rand([3, 7, 5, 4], 42), 3); // [3, 7, 5, 4], values in [−3, 3)
        if (name === 'step') return [op(x)]; // Step has a zero gradient
        return [op(x), tf.grad((a: tf.Tensor) => weightedSum(op(a)))(x)]; // [y, dx]
      });
    }
  });

  test('Step keeps NaN and int32 ops stay on cpu (exact)', async () => {
    const x = tf.tensor1d([NaN, -1, 0, 2]); // [4]
    assert.deepEqual(Array.from(tf.step(x, 0.5).dataSync()), [NaN, 0.5, 0.5, 1]);
    const i = tf.tensor1d([2 ** 24, 1, -3], 'int32'); // [3]
    const s = tf.add(i, tf.scalar(1, 'int32')); // [3]
    assert.equal(s.dtype, 'int32');
    assert.deepEqual(Array.from(s.dataSync()), [2 ** 24 + 1, 2, -2]);
    tf.dispose([x, i, s]);
  });

  test('sum, mean, max and min over every subset of axes of a rank-4 tensor, with and without keepDims, and their gradients', async () => {
    const ops: [string, (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor][] = [
      ['sum', tf.sum], ['mean', tf.mean], ['max', tf.max], ['min', tf.min],
    ];
    for (const [name, op] of ops) {
      for (let mask = 1; mask < 16; mask++) {
        const axes = [0, 1, 2, 3].filter((a) => mask & (1 << a));
        for (const keep of [false, true]) {
          await assertSameOnNative(`${name} axes ${axes} keepDims ${keep}`, () => {
            const x = rand([3, 4, 5, 6], 43 + mask); // [3, 4, 5, 6]
            return [op(x, axes, keep), tf.grad((a: tf.Tensor) => weightedSum(op(a, axes, keep)))(x)]; // [reduced, dx]
          });
        }
      }
    }
    await assertSameOnNative('negative axis, axis omitted', () => {
      const x = rand([4, 9, 3], 44); // [4, 9, 3]
      return [tf.sum(x, -1), tf.mean(x), tf.max(x, [-2, 0])]; // [4, 9], [], [3]
    });
  });

  test('tile and transpose (values and gradients) match cpu', async () => {
    for (const [shape, reps] of [[[1, 1, 1, 5], [4, 3, 2, 1]], [[2, 3], [3, 2]], [[3], [4]], [[2, 1, 3], [1, 5, 1]]]) {
      await assertSameOnNative(`tile ${shape} × ${reps}`, () => {
        const x = rand(shape, 45); // [shape]
        return [tf.tile(x, reps), tf.grad((a: tf.Tensor) => weightedSum(tf.tile(a, reps)))(x)]; // [tiled, dx]
      });
    }
    for (const perm of [[0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 2, 3]]) {
      await assertSameOnNative(`transpose ${perm}`, () => {
        const x = rand([2, 3, 4, 5], 46); // [2, 3, 4, 5]
        return [tf.transpose(x, perm), tf.grad((a: tf.Tensor) => weightedSum(tf.transpose(a, perm)))(x)]; // [permuted, dx]
      });
    }
  });

  test('BatchNorm in training form (tf.moments + tf.batchNorm): values and gradients for x, scale and offset match cpu', async () => {
    for (const shape of [[8, 6, 5, 4], [16, 32, 32, 8], [32, 10]]) {
      await assertSameOnNative(`train BN ${shape}`, () => {
        const c = shape[shape.length - 1];
        const x = tf.add(tf.mul(rand(shape, 47), 2), 0.7); // [shape], mean ≠ 0
        const gamma = tf.add(rand([c], 48), 1); // [C]
        const beta = rand([c], 49); // [C]
        const axes = shape.slice(0, -1).map((_, i) => i);
        const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, axes); // [C], [C]
          return tf.batchNorm(xx, mean, variance, b, g, 1e-5); // [shape]
        };
        return [f(x, gamma, beta), ...tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => weightedSum(f(a, g, b)))([x, gamma, beta])]; // [y, dx, dγ, dβ]
      });
    }
  });

  test('BatchNorm with every gradient taken (mean and variance as inputs), without scale or offset, and with non-channel statistics', async () => {
    await assertSameOnNative('all five', () => {
      const x = rand([4, 5, 6, 3], 50); // [4, 5, 6, 3]
      const [mean, variance, offset, scale] = [rand([3], 51), tf.add(tf.abs(rand([3], 52)), 0.2), rand([3], 53), rand([3], 54)]; // [3] each
      const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => weightedSum(tf.batchNorm(a, m, v, o, s, 0.001));
      return tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, mean, variance, offset, scale]); // 5 gradients
    });
    // tfjs differentiates batchNorm only with both scale and offset given: forward only here.
    await assertSameOnNative('no scale or offset (forward)', () => [tf.batchNorm(rand([4, 5, 6, 3], 60), tf.zeros([3]), tf.ones([3]))]);
    await assertSameOnNative('scale without offset (forward)', () => [tf.batchNorm(rand([4, 5, 6, 3], 61), tf.zeros([3]), tf.ones([3]), undefined, rand([3], 62))]);
    await assertSameOnNative('statistics of x\'s shape (cpu kernel and tfjs gradient)', () => {
      const x = rand([2, 3, 4], 56); // [2, 3, 4]
      const mean = rand([2, 3, 4], 57); // [2, 3, 4]
      const variance = tf.add(tf.abs(rand([2, 3, 4], 58)), 0.5); // [2, 3, 4]
      const [offset, scale] = [rand([2, 3, 4], 63), rand([2, 3, 4], 64)]; // [2, 3, 4] each
      return [tf.grad((a: tf.Tensor) => weightedSum(tf.batchNorm(a, mean, variance, offset, scale)))(x)]; // [dx]
    });
  });

  test('Relu\'s native gradient is dy where x > 0 and 0 elsewhere (tfjs gives NaN at a NaN input; see elementwise_grads.ts)', async () => {
    assert.ok(await tf.setBackend('native'));
    const x = tf.tensor1d([-2, 0, 3, NaN]); // [4]
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor1d([1, 2, 3, 4]))))(x); // [4]
    assert.deepEqual(Array.from(dx.dataSync()), [0, 0, 3, 4]);
    tf.dispose([x, dx]);
  });
});
