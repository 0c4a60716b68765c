/**
 * Every convolution and pooling kernel call of the models users train — ResNet-18 and -50 with
 * both stems, MobileNet-v3-Large, EfficientNet-B0, at full width and at widths whose channel
 * counts are not multiples of 8 or 16 — replayed on the 'native' backend and on tfjs's cpu
 * backend (the reference), forward and both gradients, compared within TOL.
 *
 * How: one forward + backward of each model on 'native' records each call of the kernels below
 * (kernel, input shapes, attributes: strides, padding, dilation, activation); each distinct
 * geometry is then run again on both backends with fresh pseudo-random inputs, at batch 1 and
 * at the largest batch up to DISCO_LAYER_SHAPES_MAX_BATCH (default 64) whose work stays under a
 * budget (the cpu backend is plain JavaScript, ~5 M multiply-adds/s in its filter gradient).
 * Channels, filters, strides and padding are every layer's own; spatial sizes are the models' at
 * 16–64 px inputs, small enough for that reference (the ImageNet stem at 32 px ends at 1×1, as
 * in the paper-setting runs at 32 px; the 64 px ones end at 2×2).
 * No native kernel may decline one of these calls to the cpu kernel (nativeFallbackCounts).
 *
 * DISCO_CPU_REFERENCE_CACHE=<dir> keeps the cpu results there (they depend on nothing native):
 * test/engine replays the same calls under every oneDNN ISA cap and thread count and computes
 * the JavaScript reference once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { initBackend, nativeFallbackCounts, nativeSkipNote, registerGradients, resetNativeFallbackCounts } from '@disco/tensor';
import { createBackbone } from '@disco/models';

/** max |native − cpu| ≤ TOL · max(1, max |cpu|), as every backend comparison in libs/tensor. */
const TOL = 1e-4;
/**
 * Multiply-adds one replayed call may cost on the cpu backend at its larger batch; its filter
 * gradients run ~10× slower per multiply-add than its forward (measured: ~5 M/s), so count 10×.
 */
const MAC_BUDGET = 1e7;
const FILTER_GRAD_COST = 10;
const MAX_BATCH = Number(process.env.DISCO_LAYER_SHAPES_MAX_BATCH ?? 64);

const RECORDED = [
  'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter',
  'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad',
];

interface Model {
  name: string;
  width: number;
  size: number;
}

/** 20·k channels (ResNet width 0.3125), 8·k (the ×0.125 student) and MobileNet/EfficientNet ×0.35: counts off the 16 grid and some off the 8. */
const MODELS: Model[] = [
  { name: 'resnet18', width: 1, size: 32 },
  { name: 'resnet18-cifar', width: 1, size: 8 },
  { name: 'resnet18-cifar', width: 0.125, size: 32 },
  { name: 'resnet18', width: 0.3125, size: 64 },
  { name: 'resnet50', width: 1, size: 32 },
  { name: 'resnet50', width: 0.3125, size: 32 },
  { name: 'mobilenetv3-large', width: 1, size: 32 },
  { name: 'mobilenetv3-large', width: 0.35, size: 64 },
  { name: 'efficientnet-b0', width: 1, size: 32 },
  { name: 'efficientnet-b0', width: 0.35, size: 64 },
];

interface Call {
  kernel: string;
  inputs: Record<string, number[]>;
  attrs: NamedAttrMap;
}

function pseudoRandom(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `f` with every RECORDED native kernel wrapped to note its calls; returns the distinct ones. */
function recordCalls(f: () => void): Call[] {
  const originals: KernelConfig[] = [];
  const seen = new Map<string, Call>();
  for (const kernel of RECORDED) {
    const original = getKernel(kernel, 'native');
    if (!original) continue;
    originals.push(original);
    unregisterKernel(kernel, 'native');
    registerKernel({
      ...original,
      kernelFunc: (args) => {
        const inputs: Record<string, number[]> = {};
        for (const [name, t] of Object.entries(args.inputs)) if (t) inputs[name] = [...(t as TensorInfo).shape];
        const call: Call = { kernel, inputs, attrs: structuredClone(args.attrs ?? {}) };
        seen.set(key(call), call);
        return original.kernelFunc(args);
      },
    });
  }
  try {
    f();
  } finally {
    for (const original of originals) {
      unregisterKernel(original.kernelName, 'native');
      registerKernel(original);
    }
  }
  return [...seen.values()];
}

/** A call's geometry without its batch size. */
function key(call: Call): string {
  const shapes = Object.entries(call.inputs).map(([n, s]) => `${n}:${s.length === 4 && n !== 'filter' ? ['N', ...s.slice(1)] : s}`);
  const attrs = { ...call.attrs } as Record<string, unknown>;
  if (Array.isArray(attrs.inputShape)) attrs.inputShape = ['N', ...(attrs.inputShape as number[]).slice(1)];
  return `${call.kernel} ${shapes.join(' ')} ${JSON.stringify(attrs)}`;
}

/** `call` with batch `n` in every 4-D input and in an `inputShape` attribute. */
function atBatch(call: Call, n: number): Call {
  const inputs = Object.fromEntries(Object.entries(call.inputs).map(([name, s]) => [name, s.length === 4 && name !== 'filter' ? [n, ...s.slice(1)] : s]));
  const attrs = { ...call.attrs } as Record<string, unknown>;
  if (Array.isArray(attrs.inputShape)) attrs.inputShape = [n, ...(attrs.inputShape as number[]).slice(1)];
  return { kernel: call.kernel, inputs, attrs: attrs as NamedAttrMap };
}

/** Multiply-adds of the call per image (the largest 4-D operand times the filter's taps, a bound). */
function macsPerImage(call: Call): number {
  const four = Object.entries(call.inputs).filter(([n, s]) => s.length === 4 && n !== 'filter').map(([, s]) => s[1] * s[2] * s[3]);
  const filter = call.inputs.filter;
  const taps = filter ? filter[0] * filter[1] * (call.kernel.startsWith('Depthwise') || call.kernel === 'FusedDepthwiseConv2D' ? 1 : filter[2]) : 9;
  const grad = call.kernel.endsWith('BackpropFilter') ? (call.inputs.dy?.[3] ?? 1) * FILTER_GRAD_COST : 1;
  return Math.max(...four, 1) * taps * grad;
}

function run(backend: string, call: Call, seed: number): Float32Array[] {
  tf.setBackend(backend);
  // Tensors out of tidy, values read after it (tidy would walk returned typed arrays element by element).
  const out = tf.tidy(() => {
    const inputs: Record<string, tf.Tensor> = {};
    let s = seed;
    for (const [name, shape] of Object.entries(call.inputs)) inputs[name] = tf.tensor(pseudoRandom(shape.reduce((a, b) => a * b, 1), s++), shape);
    const result = tf.engine().runKernel(call.kernel, inputs as unknown as tf.NamedTensorMap, call.attrs) as tf.Tensor | tf.Tensor[];
    return Array.isArray(result) ? result : [result];
  });
  const values = out.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose(out);
  return values;
}

/** `run('cpu', …)`, through DISCO_CPU_REFERENCE_CACHE when it is set. */
function cpuReference(call: Call, seed: number): Float32Array[] {
  const dir = process.env.DISCO_CPU_REFERENCE_CACHE;
  if (!dir) return run('cpu', call, seed);
  const file = join(dir, createHash('sha1').update(`${JSON.stringify(call)} ${seed}`).digest('hex') + '.json');
  if (existsSync(file)) {
    return (JSON.parse(readFileSync(file, 'utf8')) as string[]).map((b) => {
      const bytes = Buffer.from(b, 'base64');
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    });
  }
  const out = run('cpu', call, seed);
  // Written whole, then renamed: the engine matrix runs two of these processes side by side.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(out.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'))));
  renameSync(partial, file);
  return out;
}

function relError(want: Float32Array[], got: Float32Array[]): number {
  let worst = 0;
  want.forEach((w, i) => {
    assert.equal(got[i].length, w.length);
    let diff = 0;
    let mag = 1;
    for (let j = 0; j < w.length; j++) {
      diff = Math.max(diff, Math.abs(got[i][j] - w[j]));
      mag = Math.max(mag, Math.abs(w[j]));
    }
    worst = Math.max(worst, Number.isFinite(diff) ? diff / mag : Infinity);
  });
  return worst;
}

let nativeStarted = false;
try {
  await registerGradients();
  nativeStarted = (await initBackend('native')).name === 'native';
} catch (err) {
  if (!nativeSkipNote()?.libtorchMissing) throw err;
}

if (!nativeStarted) {
  test('without libtorch the native backend is refused, naming what is missing', () => {
    assert.match(nativeSkipNote()?.reason ?? '', /libtorch/);
  });
} else {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean };
  cpu.firstUse = false;
  const calls = new Map<string, { call: Call; models: Set<string> }>();

  test('forward and backward of every model record their convolution and pooling calls', () => {
    for (const m of MODELS) {
      const label = `${m.name} ×${m.width} @${m.size}px`;
      tf.setBackend('native');
      const backbone = createBackbone(m.name, { width: m.width, seed: 3 });
      const recorded = recordCalls(() => {
        const x = tf.tensor4d(pseudoRandom(2 * m.size * m.size * 3, 5), [2, m.size, m.size, 3]); // [2, S, S, 3]
        const { value, grads } = tf.variableGrads(() => {
          const y = backbone.forward(x, { bn: 'train' }); // [2, F]
          return tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 6), y.shape)));
        });
        tf.dispose([x, value, ...Object.values(grads)]);
      });
      backbone.dispose();
      assert.ok(recorded.some((c) => c.kernel === 'Conv2DBackpropFilter'), `${label}: no filter gradient recorded`);
      for (const call of recorded) {
        const k = key(call);
        const entry = calls.get(k) ?? { call, models: new Set<string>() };
        entry.models.add(label);
        calls.set(k, entry);
      }
    }
    const kernels = new Set([...calls.values()].map((c) => c.call.kernel));
    for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter', 'MaxPool', 'MaxPoolGrad']) {
      assert.ok(kernels.has(k), `no ${k} call recorded`);
    }
  });

  test('each recorded geometry matches the cpu backend at batch 1 and at a larger batch, with no cpu fallback', () => {
    assert.ok(calls.size > 100, `only ${calls.size} distinct calls recorded`);
    resetNativeFallbackCounts();
    let replays = 0;
    let largestBatch = 1;
    let seed = 100;
    for (const { call, models } of calls.values()) {
      const perImage = macsPerImage(call);
      let big = 1;
      for (const n of [64, 32, 16, 8, 4, 2]) if (n <= MAX_BATCH && n * perImage <= MAC_BUDGET) { big = n; break; }
      for (const n of big > 1 ? [1, big] : [1]) {
        const c = atBatch(call, n);
        const want = cpuReference(c, seed);
        const got = run('native', c, seed);
        seed += 10;
        const err = relError(want, got);
        assert.ok(err <= TOL, `${key(c)} (batch ${n}; from ${[...models][0]}): native differs from cpu by ${err.toExponential(2)}`);
        replays++;
        largestBatch = Math.max(largestBatch, n);
      }
    }
    assert.deepEqual(Object.fromEntries(nativeFallbackCounts()), {}, 'native kernels declined these calls to the cpu kernel');
    assert.equal(largestBatch, Math.min(64, MAX_BATCH));
    assert.ok(MAX_BATCH > 1 ? replays > calls.size : replays === calls.size);
  });
}
