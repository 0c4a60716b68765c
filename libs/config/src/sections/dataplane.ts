/** Wire limits and flow control shared by every role; both ends of a channel must agree. */
import { z } from 'zod';
import { ms } from './common.ts';

const MiB = 1024 * 1024;

export const dataplaneSection = z
  .strictObject({
    maxMessageBytes: z.number().int().min(MiB).max(64 * MiB).default(4 * MiB).describe('gRPC message limit, sent and received (bytes)'),
    chunkBytes: z.number().int().min(64 * 1024).default(MiB).describe('pixels or embeddings per chunk message (bytes); well under maxMessageBytes'),
    maxBatchSize: z.number().int().min(1).default(4096).describe('most images in one batch accepted on the wire'),
    maxSide: z.number().int().min(1).default(1024).describe('largest view side accepted on the wire (px)'),
    maxEmbeddingDim: z.number().int().min(1).default(65536).describe('largest embedding dimension accepted on the wire'),
    window: z.number().int().min(1).default(8).describe("trainer: most batches of the plan in flight (leased, joined, untrained): bounds every process's memory"),
    leaseMs: ms(120_000, 'trainer: a lease not delivered by then is handed to another worker'),
    callTimeoutMs: ms(120_000, 'deadline of one batch call (Augment, Embed, Deliver)'),
    keepaliveMs: ms(20_000, 'keepalive ping interval on idle connections'),
    attempts: z.number().int().min(1).default(4).describe('tries of one batch on teacher replicas before giving the lease up'),
    retryBackoffMs: ms(500, 'first reconnect / retry delay, doubled up to 30 s'),
  })
  .refine((d) => d.chunkBytes <= d.maxMessageBytes - 64 * 1024, {
    message: 'chunkBytes must leave 64 KiB of maxMessageBytes for the message header',
    path: ['chunkBytes'],
  });

export type DataplaneConfig = z.output<typeof dataplaneSection>;
