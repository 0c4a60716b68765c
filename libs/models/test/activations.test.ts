import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, registerGradients } from '@disco/tensor';
import { Activation, activate, hardSigmoid, hardSwish, makeDivisible, silu } from '@disco/models';

await initBackend();
await registerGradients();

const XS = [-5, -3.5, -2, -0.5, 0, 0.75, 2.5, 4, 7];
const close = (a: number[], b: number[], tol = 1e-6) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${v} vs ${b[i]} at ${i}`));
const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);

test('hard-swish, hard-sigmoid and SiLU compute PyTorch formulas, without leaking', () => {
  const before = tf.memory().numTensors;
  const x = tf.tensor1d(XS); // [9]
  const outs = [hardSwish(x), hardSigmoid(x), silu(x), activate('sigmoid', x), new Activation('relu').forward(x)];
  close(outs[0].arraySync() as number[], XS.map((v) => (v * relu6(v + 3)) / 6));
  close(outs[1].arraySync() as number[], XS.map((v) => relu6(v + 3) / 6));
  close(outs[2].arraySync() as number[], XS.map((v) => v / (1 + Math.exp(-v))));
  close(outs[3].arraySync() as number[], XS.map((v) => 1 / (1 + Math.exp(-v))));
  close(outs[4].arraySync() as number[], XS.map((v) => Math.max(v, 0)));
  tf.dispose([x, ...outs]);
  assert.equal(tf.memory().numTensors, before);
});

test("gradients match PyTorch's hardswish_backward, hardsigmoid_backward and silu_backward", () => {
  const x = tf.tensor1d(XS.filter((v) => Math.abs(v) !== 3)); // [n], off the kinks
  const xs = x.arraySync() as number[];
  const g = (f: (t: tf.Tensor) => tf.Tensor) => {
    const grad = tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x); // [n]
    const out = grad.arraySync() as number[];
    grad.dispose();
    return out;
  };
  close(g(hardSwish), xs.map((v) => (v < -3 ? 0 : v > 3 ? 1 : v / 3 + 0.5)), 1e-6);
  close(g(hardSigmoid), xs.map((v) => (v > -3 && v < 3 ? 1 / 6 : 0)), 1e-6);
  close(g(silu), xs.map((v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 + v * (1 - s)); }), 1e-6);
  x.dispose();
});

test('an unknown activation name is a RangeError naming it', () => {
  assert.throws(() => new Activation('gelu' as never), /activation 'gelu' is not one of relu, hardswish/);
});

test("makeDivisible equals torchvision's _make_divisible", () => {
  // /usr/bin/python3 -c "from torchvision.models._utils import _make_divisible as md; print(md(4.0,8), …)"
  const cases: [number, number, number | undefined, number][] = [
    [16 * 0.25, 8, undefined, 8], [960 * 0.25, 8, undefined, 240], [1280 * 0.35, 8, undefined, 448],
    [3, 8, undefined, 8], [12.5, 8, undefined, 16], [72 * 0.75, 8, undefined, 56], [24 * 1.3, 8, undefined, 32],
    [100, 8, undefined, 104], [7.9, 8, undefined, 8], [10, 8, 1, 16], [4, 3, undefined, 6],
  ];
  for (const [v, d, min, want] of cases) assert.equal(makeDivisible(v, d, min), want, `makeDivisible(${v}, ${d}, ${min})`);
  assert.throws(() => makeDivisible(-1), /channel count -1/);
});
