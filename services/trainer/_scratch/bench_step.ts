import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { createEncoder } from '@disco/models';
import { createDiscoTrainer, resolveDiscoConfig } from '@disco/disco';
const [widthArg, bArg, sArg, hArg] = process.argv.slice(2);
await initBackend();
const width = Number(widthArg ?? 0.125), B = Number(bArg ?? 32), S = Number(sArg ?? 32), H = Number(hArg ?? 512);
const config = resolveDiscoConfig({ K: 4096, batchSize: B, ghostBatchSize: Math.min(32,B), embedDim: 128, headHidden: H, epochs: 10 });
const tr = await createDiscoTrainer(config, { buildEncoder: () => createEncoder('resnet18-cifar', { width, headHidden: H, embedDim: 128, seed: 1 }), teacherDim: 128 });
const x1 = tf.randomNormal([B, S, S, 3]); const x2 = tf.randomNormal([B, S, S, 3]);
const t = tf.tidy(() => { const r = tf.randomNormal([B, 128]); return tf.div(r, tf.norm(r, 2, 1, true)); });
for (let i = 0; i < 6; i++) { const t0 = performance.now(); const r = tr.trainStep({ batchId: 'x', epoch: 0, x1, x2, t1: t, t2: t }); console.log(i, (performance.now()-t0).toFixed(0), 'ms', r.loss.toFixed(3)); }
const teacher = createEncoder('resnet18-cifar', { width: width*2, headHidden: 128, embedDim: 128, seed: 2 });
for (let i = 0; i < 3; i++) { const t0 = performance.now(); const y = teacher.forward(x1, { bn: 'eval' }); await y.data(); y.dispose(); console.log('teacher fwd', (performance.now()-t0).toFixed(0)); }
