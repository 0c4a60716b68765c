/** The augment role: where it serves, what it reads, and (as a worker) whom it feeds. */
import { z } from 'zod';
import { addresses, host, port } from './common.ts';

export const augmentSection = z.strictObject({
  host: host(),
  port: port(50052, 'gRPC port of the Augment service'),
  metricsPort: port(9102, '/metrics HTTP port'),
  dataset: z.string().default('').describe('dataset to read: an ImageFolder directory, a .jsonl manifest or an IDX images file'),
  trainer: z
    .string()
    .default('')
    .describe('trainer address, or every data-parallel trainer replica\'s, comma-separated; set = run the worker loop (lease batches from each, feed teacher and trainer)'),
  teachers: addresses('teacher replicas the worker streams views to'),
  workerId: z.string().default('').describe('worker id on the lease stream (default host:pid:random)'),
  imagesInFlight: z.number().int().min(1).max(64).default(3).describe("images augmented at once (sharp's pool; 2–4 suits 2 cores)"),
  batchesInFlight: z.number().int().min(1).max(64).default(2).describe('worker: leases held at once (credits granted to the trainer)'),
});

export type AugmentServiceConfig = z.output<typeof augmentSection>;
