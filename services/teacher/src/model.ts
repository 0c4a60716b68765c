/**
 * The frozen teacher: a model-zoo encoder with seeded weights, or one imported from a checkpoint
 * (PyTorch MoCo-v2, torchvision, disco), loaded once, warmed up, then only read. `embed` turns a
 * view's uint8 NHWC pixels into L2-normalised float32 embeddings.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { createEncoder, findTeacherManifest, importCheckpoint, manifestTeacherSettings, TeacherManifestError, type Encoder } from '@disco/models';
import { toModelInput } from '@disco/models';
import type { TeacherServiceConfig } from '@disco/config';

export interface TeacherModel {
  encoder: Encoder;
  embeddingDim: number;
  /** `seed:<n>` or the checkpoint path. */
  weights: string;
  backend: string;
  bnMode: 'eval' | 'batch';
  /** [n, h, w, 3] uint8 → [n, D] float32, each row of unit L2 norm. */
  embed(pixels: Uint8Array, n: number, height: number, width: number): Promise<Float32Array>;
  dispose(): void;
}

/** F.normalize(y, dim=1): y / max(‖y‖₂, 1e-12). */
export function l2Normalize(y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(y), 1, true)), 1e-12); // [N, 1]
    return tf.div(y, norm) as tf.Tensor2D; // [N, D]
  });
}

/**
 * The teacher encoder of either engine: imported from `checkpoint` (a weights file, or a
 * teacher folder / its teacher.json, whose architecture must be the config's: `disco train` and
 * `disco serve` take it from there), or seeded random.
 */
export function buildTeacherEncoder(config: TeacherServiceConfig): { encoder: Encoder; weights: string } {
  if (config.checkpoint) {
    const found = findTeacherManifest(config.checkpoint);
    if (found) {
      const want = manifestTeacherSettings(found.manifest);
      const differ = (Object.keys(want) as (keyof typeof want)[]).filter((k) => want[k] !== config[k]);
      if (differ.length) {
        throw new TeacherManifestError(`${found.manifestPath} describes ${differ.map((k) => `${k} ${want[k]}`).join(', ')}, the config says ${differ.map((k) => `${k} ${config[k]}`).join(', ')}`);
      }
    }
    const weights = found?.weights ?? config.checkpoint;
    const encoder = importCheckpoint(weights, { arch: config.model, width: config.width, target: 'encoder' }).module;
    return { encoder, weights };
  }
  const encoder = createEncoder(config.model, { width: config.width, headHidden: config.headHidden, embedDim: config.embedDim, seed: config.seed });
  return { encoder, weights: `seed:${config.seed}` };
}

export async function loadTeacherModel(config: TeacherServiceConfig): Promise<TeacherModel> {
  const backend = await initBackend();
  const { encoder, weights } = buildTeacherEncoder(config);
  const bn = config.bnMode;
  const maxPerForward = bn === 'batch' ? Infinity : config.maxImagesPerForward;

  const forward = (pixels: Uint8Array, n: number, h: number, w: number): tf.Tensor2D =>
    tf.tidy(() => {
      const x = toModelInput(pixels, [n, h, w, 3]); // [n, h, w, 3] normalised
      return l2Normalize(encoder.forward(x, { bn }) as tf.Tensor2D); // [n, D]
    });

  const model: TeacherModel = {
    encoder,
    embeddingDim: encoder.embeddingDim,
    weights,
    backend: backend.name,
    bnMode: bn,
    async embed(pixels, n, h, w) {
      const out = new Float32Array(n * encoder.embeddingDim);
      const imageBytes = h * w * 3;
      for (let start = 0; start < n; start += maxPerForward) {
        const count = Math.min(maxPerForward, n - start);
        const y = forward(pixels.subarray(start * imageBytes, (start + count) * imageBytes), count, h, w); // [count, D]
        try {
          out.set(await y.data<'float32'>(), start * encoder.embeddingDim);
        } finally {
          y.dispose();
        }
      }
      return out;
    },
    dispose: () => encoder.dispose(),
  };
  // Warm-up: the first forward compiles kernels; do it before reporting SERVING. Batch-statistics
  // BN needs at least two images.
  await model.embed(new Uint8Array(2 * 32 * 32 * 3), 2, 32, 32);
  return model;
}
