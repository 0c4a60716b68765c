/**
 * The frozen teacher on onnxruntime-node: the same encoder as the tfjs path (zoo + seed, or an
 * imported checkpoint), exported once to an ONNX graph with BatchNorm folded, ImageNet
 * normalisation of the uint8 pixels and L2 normalisation inside the graph, then run by
 * onnxruntime on CPU. Only eval-mode BN can be folded, so batch-statistics teachers stay on tfjs.
 *
 * `chooseTeacherEngine` resolves `teacher.engine`: `tfjs` always; `onnx` or failure with the
 * reason; `auto` = onnx when onnxruntime-node is installed and BN is `eval`, else tfjs with the
 * reason (which the service logs).
 */
import { initBackend } from '@disco/tensor';
import { OnnxSession, exportOnnx, loadOnnxRuntime, type Encoder, type OnnxRuntimeProbe, type OrtModule } from '@disco/models';
import { IMAGENET_MEAN, IMAGENET_STD } from '@disco/models';
import type { TeacherServiceConfig } from '@disco/config';
import { buildTeacherEncoder, type TeacherModel } from './model.ts';

export class TeacherEngineError extends Error {
  override name = 'TeacherEngineError';
}

export type EngineChoice = { engine: 'tfjs'; reason: string } | { engine: 'onnx'; reason: string; ort: OrtModule; version: string };

/** Which engine serves `config` (see the file comment); throws TeacherEngineError when `onnx` cannot be honoured. */
export async function chooseTeacherEngine(config: TeacherServiceConfig, probe?: OnnxRuntimeProbe): Promise<EngineChoice> {
  const { engine, bnMode } = config;
  if (engine === 'tfjs') return { engine: 'tfjs', reason: 'engine tfjs (configured)' };
  if (bnMode !== 'eval') {
    const why = `bnMode '${bnMode}' needs batch statistics, which a folded ONNX graph does not compute`;
    if (engine === 'onnx') throw new TeacherEngineError(`teacher.engine 'onnx': ${why}; use bnMode 'eval' or engine 'tfjs'/'auto'`);
    return { engine: 'tfjs', reason: `engine auto → tfjs: ${why}` };
  }
  const found = probe ?? (await loadOnnxRuntime());
  if (!found.available) {
    if (engine === 'onnx') throw new TeacherEngineError(`teacher.engine 'onnx': ${found.reason}`);
    return { engine: 'tfjs', reason: `engine auto → tfjs: ${found.reason}` };
  }
  return { engine: 'onnx', reason: `engine ${engine} → onnxruntime-node ${found.version}`, ort: found.ort, version: found.version };
}

/** A TeacherModel whose `embed` runs the exported graph in onnxruntime (eval-mode BN only). */
export async function loadOnnxTeacherModel(config: TeacherServiceConfig, ort: OrtModule, version: string): Promise<TeacherModel> {
  if (config.bnMode !== 'eval') throw new TeacherEngineError(`the ONNX teacher folds BatchNorm: bnMode must be 'eval', not '${config.bnMode}'`);
  await initBackend(); // the encoder is built (and its checkpoint imported) with tfjs, then exported
  const { encoder, weights } = buildTeacherEncoder(config);
  let session: OnnxSession;
  try {
    const graph = exportOnnx(encoder, { input: 'uint8', normalize: { mean: IMAGENET_MEAN, std: IMAGENET_STD }, l2Normalize: true });
    // No spinning: the teacher shares its CPUs with augment workers (and, embedded, the trainer).
    session = await OnnxSession.create(ort, graph, { spinning: false });
  } catch (err) {
    encoder.dispose();
    throw err;
  }
  const dim = encoder.embeddingDim;
  const maxPerForward = config.maxImagesPerForward;
  const model: TeacherModel = {
    encoder,
    embeddingDim: dim,
    weights,
    backend: `onnxruntime-node ${version}`,
    bnMode: 'eval',
    async embed(pixels, n, h, w) {
      const out = new Float32Array(n * dim);
      const imageBytes = h * w * 3;
      for (let start = 0; start < n; start += maxPerForward) {
        const count = Math.min(maxPerForward, n - start);
        const y = await session.run(pixels.subarray(start * imageBytes, (start + count) * imageBytes), [count, h, w, 3]); // [count, D]
        out.set(y, start * dim);
      }
      return out;
    },
    dispose() {
      void session.dispose();
      encoder.dispose();
    },
  };
  await model.embed(new Uint8Array(2 * 32 * 32 * 3), 2, 32, 32); // warm-up before SERVING
  return model;
}
