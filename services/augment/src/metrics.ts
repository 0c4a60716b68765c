/** The augment role's metrics, all defined here (`disco_augment_*`, base units) so the dashboard and alerts have one file to agree with. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REJECT_REASONS, SKIPPED_ENTRIES, type Dataset, type RejectReason } from '@disco/augment';

/** Timed stages: dataset read (per image), augmenting a whole batch, the teacher call, the delivery. */
export type AugmentOp = 'read' | 'augment_batch' | 'teacher' | 'deliver';
export type BatchOutcome = 'served' | 'accepted' | 'duplicate' | 'stale' | 'failed';

export interface AugmentMetrics {
  images: Counter;
  opSeconds: Histogram<'op'>;
  rejected: Counter<'reason'>;
  inflight: Gauge;
  batches: Counter<'outcome'>;
  teacherRetries: Counter;
  datasetSkipped: Gauge<'reason'>;
}

export function createAugmentMetrics(registry: Registry): AugmentMetrics {
  const registers = [registry];
  const opSeconds = new Histogram({
    name: 'disco_augment_op_seconds',
    help: 'Time per stage: read (one image from the dataset), augment_batch, teacher (embed call), deliver (to the trainer).',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const rejected = new Counter({
    name: 'disco_augment_images_rejected_total',
    help: 'Images rejected by the decoder and replaced, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  // Every reason starts at 0, so rate() and increase() see the first rejection.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  return {
    images: new Counter({ name: 'disco_augment_images_total', help: 'Images augmented (one view pair each).', registers }),
    opSeconds,
    rejected,
    inflight: new Gauge({ name: 'disco_augment_inflight_batches', help: 'Batches being augmented, embedded or delivered.', registers }),
    batches: new Counter({
      name: 'disco_augment_batches_total',
      help: 'Batches finished: served (direct Augment call) or the trainer outcome of a leased batch.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    teacherRetries: new Counter({ name: 'disco_augment_teacher_retries_total', help: 'Embed calls retried on another teacher replica.', registers }),
    datasetSkipped: datasetSkippedGauge(registers),
  };
}

/** Entries the dataset walk left out (symlink loops, unreadable folders, dangling links, non-images), by reason; set once at start. */
function datasetSkippedGauge(registers: Registry[]): Gauge<'reason'> {
  const gauge = new Gauge({
    name: 'disco_augment_dataset_skipped_entries',
    help: 'Dataset entries left out while listing it (ImageFolder walk), by reason: symlink_loop, unreadable_folder, broken_link, not_an_image.',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of SKIPPED_ENTRIES) gauge.set({ reason: reason.replace(/-/g, '_') }, 0);
  return gauge;
}

export function recordSkippedEntries(metrics: AugmentMetrics, skipped: Dataset['skipped']): void {
  for (const [reason, n] of Object.entries(skipped ?? {})) metrics.datasetSkipped.set({ reason: reason.replace(/-/g, '_') }, n ?? 0);
}

export function observeOp(metrics: AugmentMetrics, op: AugmentOp, seconds: number): void {
  metrics.opSeconds.observe({ op }, seconds);
}

export function countRejected(metrics: AugmentMetrics, reason: RejectReason): void {
  metrics.rejected.inc({ reason });
}
