/** Typed errors of libs/eval; each message names the offending input and the reason. */

/** An argument to an evaluation call is malformed (shape, label, config value). */
export class EvalInputError extends Error {
  override name = 'EvalInputError';
}

/** A cached feature file is missing, truncated or not one of ours. */
export class FeatureFileError extends Error {
  override name = 'FeatureFileError';
}

/** The linear probe's loss became non-finite (learning rate too large for the features). */
export class ProbeDivergedError extends Error {
  override name = 'ProbeDivergedError';
}
