/** Typed errors of the algorithm core: each names the offending input and the reason. */

/** The configuration is invalid (lists every problem at once). */
export class AlgoConfigError extends Error {
  override name = 'AlgoConfigError';
}

/** The teacher's embedding dimension does not match the student head's output. */
export class EmbeddingDimError extends Error {
  override name = 'EmbeddingDimError';
}

/** A batch does not have the shape, size or content the step expects. */
export class StepInputError extends Error {
  override name = 'StepInputError';
  constructor(readonly batchId: string, reason: string) {
    super(`batch ${batchId}: ${reason}`);
  }
}

/** Which loss term a value belongs to. */
export type LossTerm = 'contrastive' | 'distill1' | 'distill2' | 'seed' | 'total';

/**
 * A loss term went NaN or ±Inf. Thrown before the optimiser and queue updates of that step;
 * the key encoder's EMA and BatchNorm running statistics of the step may already have moved,
 * so resume from the last checkpoint.
 */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  /** The first non-finite term (in the order contrastive, distill1, distill2, seed, total). */
  readonly term: LossTerm;
  constructor(
    readonly step: number,
    readonly batchId: string,
    /** Every non-finite term with its value. */
    readonly terms: ReadonlyArray<{ term: LossTerm; value: number }>,
    /** Where it happened when not on this replica (data-parallel: `replica 1`). */
    readonly where?: string,
  ) {
    const list = terms.map((t) => `'${t.term}' is ${t.value}`).join(', ');
    super(`non-finite loss at step ${step}, batch ${batchId}${where ? ` on ${where}` : ''}: ${list}`);
    this.term = terms[0].term;
  }
}

/** A saved state does not fit this trainer (lists every problem at once). */
export class StateError extends Error {
  override name = 'StateError';
}
