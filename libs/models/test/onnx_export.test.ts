/**
 * ONNX export of every architecture family (small widths) + projection head, run in
 * onnxruntime-node, against our tfjs eval-mode forward: features, head output and the
 * L2-normalised embedding within 1e-4 (max abs diff), float and uint8-pixel inputs. BatchNorm
 * statistics are made realistic first (calibrated on a batch, then perturbed), so folding is
 * exercised with non-trivial γ, β, μ, σ². Needs onnxruntime-node (an optionalDependency that
 * npm installs from the lockfile); without it these tests fail naming the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import {
  BatchNorm2d,
  InitRng,
  OnnxExportError,
  OnnxSession,
  createBackbone,
  createEncoder,
  decodeModel,
  exportOnnx,
  IMAGENET_MEAN,
  IMAGENET_STD,
  toModelInput,
  loadOnnxRuntime,
  type Encoder,
  type Module,
  type OrtModule,
} from '@disco/models';

await initBackend();
const TOLERANCE = 1e-4;
const MEAN = IMAGENET_MEAN;
const STD = IMAGENET_STD;

async function runtime(): Promise<OrtModule> {
  const probe = await loadOnnxRuntime();
  assert.ok(probe.available, `onnxruntime-node is an optionalDependency installed from the lockfile: ${probe.available ? '' : probe.reason}`);
  return probe.ort;
}

/** Random γ, β; running statistics = one train-mode batch's statistics, then perturbed. */
function realisticBatchNorm(model: Module, size: number, seed: number): void {
  const rng = new InitRng(seed);
  const bns = model.namedModules().filter((m): m is { name: string; module: BatchNorm2d } => m.module instanceof BatchNorm2d);
  const values = new Map<string, tf.Tensor>();
  const set = (name: string, data: number[]) => values.set(name, tf.tensor1d(data));
  const vec = (n: number, f: () => number) => Array.from({ length: n }, f);
  for (const { name, module: bn } of bns) {
    set(`${name}.weight`, vec(bn.channels, () => 0.4 + 0.6 * rng.uniform()));
    set(`${name}.bias`, vec(bn.channels, () => 0.2 * rng.normal()));
  }
  assignSome(model, values);
  tf.tidy(() => model.forward(tf.randomNormal([8, size, size, 3], 0, 1, 'float32', seed), { bn: 'train' }));
  for (const { name, module: bn } of bns) {
    // One update from (0, 1): running = (1 − m)·init + m·batch, so batch = (running − (1 − m)·init) / m.
    const m = bn.momentum;
    const mean = Array.from(bn.runningMean.dataSync()).map((r) => r / m);
    const variance = Array.from(bn.runningVar.dataSync()).map((r) => Math.max((r - (1 - m)) / m, 0.1) * (0.6 + rng.uniform()));
    set(`${name}.running_mean`, mean.map((mu, c) => mu + 0.2 * Math.sqrt(variance[c]) * rng.normal()));
    set(`${name}.running_var`, variance);
  }
  assignSome(model, values);
}

function assignSome(model: Module, values: Map<string, tf.Tensor>): void {
  for (const t of model.namedTensors()) {
    const v = values.get(t.name);
    if (v) t.variable.assign(v);
  }
  tf.dispose([...values.values()]);
  values.clear();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function l2Rows(y: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(y.length);
  for (let r = 0; r < y.length / dim; r++) {
    const row = y.subarray(r * dim, (r + 1) * dim);
    const norm = Math.max(Math.hypot(...row), 1e-12);
    row.forEach((v, i) => (out[r * dim + i] = v / norm));
  }
  return out;
}

function pixels(n: number, size: number, seed: number): Uint8Array {
  const rng = new InitRng(seed);
  return Uint8Array.from({ length: n * size * size * 3 }, () => Math.floor(rng.uniform() * 256));
}

/** The model-input contract's normalisation of uint8 pixels, which the uint8 graph must equal. */
function normalised(p: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D {
  return toModelInput(p, shape);
}

const ARCHS = [
  { arch: 'resnet18-cifar', width: 0.25, size: 32 },
  { arch: 'resnet50', width: 0.125, size: 64 },
  { arch: 'mobilenetv3-large', width: 0.25, size: 64 },
  { arch: 'efficientnet-b0', width: 0.25, size: 64 },
] as const;

for (const { arch, width, size } of ARCHS) {
  test(`${arch} (width ${width}, ${size} px): ONNX features, head output and L2 embedding equal the tfjs eval forward`, async () => {
    const ort = await runtime();
    const encoder = createEncoder(arch, { width, seed: 5, headHidden: 64, embedDim: 16 });
    realisticBatchNorm(encoder, size, 9);
    const n = 3;
    const p = pixels(n, size, 13);
    const x = normalised(p, [n, size, size, 3]); // [n, size, size, 3]
    const before = tf.memory().numTensors;
    const graphs = {
      features: exportOnnx(encoder, { output: 'features' }),
      embedding: exportOnnx(encoder),
      l2: exportOnnx(encoder, { input: 'uint8', normalize: { mean: MEAN, std: STD }, l2Normalize: true }),
    };
    assert.equal(tf.memory().numTensors, before, 'export creates no tensors');
    const ops = (decodeModel(graphs.embedding.bytes).graph as { node: { opType: string }[] }).node.map((nd) => nd.opType);
    assert.ok(!ops.includes('BatchNormalization'), 'every BatchNorm is folded into its conv');

    const [wantFeatures, wantEmbedding] = tf.tidy(() => [encoder.features(x, { bn: 'eval' }).dataSync(), encoder.forward(x, { bn: 'eval' }).dataSync()]) as Float32Array[];
    const xs = x.dataSync() as Float32Array;
    const run = async (g: typeof graphs.features, input: Float32Array | Uint8Array) => {
      const session = await OnnxSession.create(ort, g);
      try {
        return await session.run(input, [n, size, size, 3]);
      } finally {
        await session.dispose();
      }
    };
    const features = await run(graphs.features, xs);
    const embedding = await run(graphs.embedding, xs);
    const l2 = await run(graphs.l2, p);
    x.dispose();
    encoder.dispose();

    const scale = Math.max(...wantFeatures.map(Math.abs));
    const d = {
      features: maxAbsDiff(features, wantFeatures),
      embedding: maxAbsDiff(embedding, wantEmbedding),
      l2: maxAbsDiff(l2, l2Rows(wantEmbedding, 16)),
    };
    console.log(`# ${arch}: ${ops.length} nodes, max|features| ${scale.toPrecision(3)}, max|Δ| features ${d.features.toExponential(2)}, head ${d.embedding.toExponential(2)}, L2 (uint8 input) ${d.l2.toExponential(2)}`);
    assert.ok(scale > 0.01 && scale < 100, `features are O(1) (max ${scale}), so the tolerance means something`);
    for (const [what, diff] of Object.entries(d)) assert.ok(diff <= TOLERANCE, `${arch} ${what} differ by ${diff}`);
  });
}

test('a bare backbone and a bare projection head export too', async () => {
  const ort = await runtime();
  const encoder = createEncoder('resnet18-cifar', { width: 0.125, seed: 2, headHidden: 32, embedDim: 8 });
  const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D; // [2, 16, 16, 3]
  const [features, embedding] = tf.tidy(() => [encoder.features(x, { bn: 'eval' }).dataSync(), encoder.forward(x, { bn: 'eval' }).dataSync()]) as Float32Array[];
  const backbone = await OnnxSession.create(ort, exportOnnx(encoder.backbone));
  const head = await OnnxSession.create(ort, exportOnnx(encoder.fc));
  assert.deepEqual([backbone.graph.outputDim, head.graph.outputDim], [encoder.backbone.featureDim, 8]);
  const gotFeatures = await backbone.run(x.dataSync() as Float32Array, x.shape);
  const gotEmbedding = await head.run(features, [2, encoder.backbone.featureDim]);
  assert.ok(maxAbsDiff(gotFeatures, features) <= TOLERANCE);
  assert.ok(maxAbsDiff(gotEmbedding, embedding) <= TOLERANCE);
  await assert.rejects(backbone.run(new Uint8Array(2 * 16 * 16 * 3), [2, 16, 16, 3]), /takes float32, got a Uint8Array/);
  await assert.rejects(backbone.run(new Float32Array(5), [2, 16, 16, 3]), /5 values do not make shape \[2,16,16,3\]/);
  await Promise.all([backbone.dispose(), head.dispose()]);
  x.dispose();
  encoder.dispose();
});

test('the graph is a valid ModelProto with symbolic batch and image size', () => {
  const backbone = createBackbone('resnet18', { width: 0.0625, seed: 1 });
  const g = exportOnnx(backbone);
  const model = decodeModel(g.bytes) as {
    irVersion: number;
    opsetImport: { version: number }[];
    graph: { input: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[]; initializer: unknown[]; node: { opType: string }[] };
  };
  assert.equal(model.irVersion, 8);
  assert.equal(model.opsetImport[0].version, 17);
  assert.equal(model.graph.input[0].name, 'input');
  assert.deepEqual(model.graph.input[0].type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue), ['N', 'H', 'W', 3]);
  const convs = backbone.namedModules().filter((m) => m.module.constructor.name === 'Conv2d').length;
  assert.equal(model.graph.node.filter((nd) => nd.opType === 'Conv').length, convs, 'one Conv per Conv2d');
  assert.equal(model.graph.initializer.length, 2 * convs, 'weight + folded bias per conv, nothing else');
  backbone.dispose();
});

test('what cannot be exported is refused with the reason', () => {
  const encoder: Encoder = createEncoder('resnet18-cifar', { width: 0.125, seed: 1, headHidden: 8, embedDim: 4 });
  assert.throws(() => exportOnnx(encoder, { input: 'uint8' }), (e: Error) => e instanceof OnnxExportError && /needs normalize/.test(e.message));
  assert.throws(() => exportOnnx(encoder.backbone, { output: 'features' }), /applies to an Encoder only/);
  assert.throws(() => exportOnnx(encoder.fc, { input: 'uint8', normalize: { mean: MEAN, std: STD } }), /takes features, not 'uint8'/);
  assert.throws(() => exportOnnx(encoder, { input: 'uint8', normalize: { mean: MEAN, std: [1, 0, 1] } }), /std \[1,0,1\] must be positive/);
  class Mystery extends BatchNorm2d {}
  assert.throws(() => exportOnnx(new Mystery(3)), /Mystery has no ONNX export/);
  encoder.dispose();
});

test('a missing runtime is reported, not thrown', async () => {
  const probe = await loadOnnxRuntime('onnxruntime-node-not-installed');
  assert.equal(probe.available, false);
  assert.match(probe.available ? '' : probe.reason, /onnxruntime-node-not-installed is not installed/);
});
