/** The teacher's metrics, all defined here (`disco_teacher_*`, base units) so the dashboard and alerts have one file to agree with. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import * as tf from '@tensorflow/tfjs-core';

export type TeacherView = '1' | '2';

export interface TeacherMetrics {
  batches: Counter<'outcome'>;
  views: Counter;
  forwardSeconds: Histogram<'bn_mode'>;
  batchSeconds: Histogram;
  inflight: Gauge;
  /** Views whose embeddings held NaN or ±Inf: refused, nothing sent. */
  nonFiniteViews: Counter;
  backend: Gauge<'backend' | 'model' | 'bn_mode'>;
}

export function createTeacherMetrics(registry: Registry): TeacherMetrics {
  const registers = [registry];
  new Gauge({
    name: 'disco_teacher_tensor_bytes',
    help: 'Bytes held by tfjs tensors in this process.',
    registers,
    collect() {
      this.set(tf.memory().numBytes);
    },
  });
  new Gauge({
    name: 'disco_teacher_tensors',
    help: 'Live tfjs tensors in this process.',
    registers,
    collect() {
      this.set(tf.memory().numTensors);
    },
  });
  return {
    batches: new Counter({
      name: 'disco_teacher_batches_total',
      help: 'Embed calls finished, by outcome (ok: both views embedded and sent).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    views: new Counter({ name: 'disco_teacher_views_total', help: 'Views embedded (both views of an image count: images = views / 2).', registers }),
    forwardSeconds: new Histogram({
      name: 'disco_teacher_forward_seconds',
      help: 'Time to embed one view of one batch: normalise, forward, L2-normalise, read back.',
      labelNames: ['bn_mode'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'disco_teacher_batch_seconds',
      help: 'Time from the first view chunk of a batch to its last embedding chunk sent.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    inflight: new Gauge({ name: 'disco_teacher_inflight_batches', help: 'Embed calls in progress.', registers }),
    nonFiniteViews: new Counter({
      name: 'disco_teacher_nonfinite_views_total',
      help: 'Views whose embeddings held NaN or infinite values; the Embed call failed (INTERNAL) and nothing of it was sent.',
      registers,
    }),
    backend: new Gauge({
      name: 'disco_teacher_info',
      help: 'Constant 1, labelled with the tfjs backend, model and BatchNorm mode in use.',
      labelNames: ['backend', 'model', 'bn_mode'] as const,
      registers,
    }),
  };
}
