// Original file: protos/disco/v1/batch.proto


/**
 * An image the dataset could not give: it was replaced deterministically (libs/augment's rule).
 */
export interface RejectedImage {
  /**
   * position in the batch
   */
  'position'?: (number);
  /**
   * the dataset index that was rejected
   */
  'index'?: (number);
  /**
   * the index whose views were used instead
   */
  'replacementIndex'?: (number);
  /**
   * libs/augment's reason enum, snake_case
   */
  'reason'?: (string);
  /**
   * human-readable, names the file
   */
  'detail'?: (string);
}

/**
 * An image the dataset could not give: it was replaced deterministically (libs/augment's rule).
 */
export interface RejectedImage__Output {
  /**
   * position in the batch
   */
  'position': (number);
  /**
   * the dataset index that was rejected
   */
  'index': (number);
  /**
   * the index whose views were used instead
   */
  'replacementIndex': (number);
  /**
   * libs/augment's reason enum, snake_case
   */
  'reason': (string);
  /**
   * human-readable, names the file
   */
  'detail': (string);
}
