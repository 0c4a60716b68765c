// Original file: protos/disco/v1/batch.proto


/**
 * Names one batch of one run: the trainer's plan position.
 */
export interface BatchId {
  /**
   * run name (the trainer's `run` config); non-empty
   */
  'run'?: (string);
  /**
   * 0-based epoch
   */
  'epoch'?: (number);
  /**
   * 0-based step within the epoch
   */
  'step'?: (number);
}

/**
 * Names one batch of one run: the trainer's plan position.
 */
export interface BatchId__Output {
  /**
   * run name (the trainer's `run` config); non-empty
   */
  'run': (string);
  /**
   * 0-based epoch
   */
  'epoch': (number);
  /**
   * 0-based step within the epoch
   */
  'step': (number);
}
