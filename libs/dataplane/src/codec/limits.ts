/** What a process accepts on the wire. Services take these from config (`dataplane` section). */
export interface WireLimits {
  /** Most images in one batch. */
  maxBatchSize: number;
  /** Largest view side in px. */
  maxSide: number;
  /** Largest `data` field of one chunk, in bytes (kept below the gRPC message limit). */
  maxChunkBytes: number;
  /** Largest embedding dimension. */
  maxEmbeddingDim: number;
}

/** gRPC message limit on both ends of every channel (bytes). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Room left in a message for everything but `data` (ids, shape, rejected list). */
export const MESSAGE_HEADROOM_BYTES = 64 * 1024;

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxBatchSize: 4096,
  maxSide: 1024,
  maxChunkBytes: DEFAULT_MAX_MESSAGE_BYTES - MESSAGE_HEADROOM_BYTES,
  maxEmbeddingDim: 65536,
});

/** Limits for a process whose gRPC message limit is `maxMessageBytes`. */
export function wireLimitsFor(maxMessageBytes: number, overrides: Partial<WireLimits> = {}): WireLimits {
  return { ...DEFAULT_WIRE_LIMITS, maxChunkBytes: maxMessageBytes - MESSAGE_HEADROOM_BYTES, ...overrides };
}
