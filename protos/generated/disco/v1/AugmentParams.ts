// Original file: protos/disco/v1/batch.proto


/**
 * MoCo-v2 augmentation parameters (the paper's values are the augment service's defaults).
 * A spec without params gets the worker's configured parameters.
 */
export interface AugmentParams {
  /**
   * RandomResizedCrop area fraction (0.2)
   */
  'cropScaleMin'?: (number | string);
  /**
   * (1.0)
   */
  'cropScaleMax'?: (number | string);
  /**
   * aspect ratio (3/4)
   */
  'cropRatioMin'?: (number | string);
  /**
   * (4/3)
   */
  'cropRatioMax'?: (number | string);
  /**
   * ColorJitter strengths (0.4, 0.4, 0.4, 0.1)
   */
  'brightness'?: (number | string);
  'contrast'?: (number | string);
  'saturation'?: (number | string);
  'hue'?: (number | string);
  /**
   * probability of ColorJitter (0.8)
   */
  'jitterP'?: (number | string);
  /**
   * RandomGrayscale (0.2)
   */
  'grayscaleP'?: (number | string);
  /**
   * GaussianBlur (0.5)
   */
  'blurP'?: (number | string);
  /**
   * (0.1)
   */
  'blurSigmaMin'?: (number | string);
  /**
   * (2.0)
   */
  'blurSigmaMax'?: (number | string);
  /**
   * HorizontalFlip (0.5)
   */
  'flipP'?: (number | string);
  /**
   * RandomResizedCrop tries before the centre-crop fallback (10)
   */
  'cropAttempts'?: (number);
}

/**
 * MoCo-v2 augmentation parameters (the paper's values are the augment service's defaults).
 * A spec without params gets the worker's configured parameters.
 */
export interface AugmentParams__Output {
  /**
   * RandomResizedCrop area fraction (0.2)
   */
  'cropScaleMin': (number);
  /**
   * (1.0)
   */
  'cropScaleMax': (number);
  /**
   * aspect ratio (3/4)
   */
  'cropRatioMin': (number);
  /**
   * (4/3)
   */
  'cropRatioMax': (number);
  /**
   * ColorJitter strengths (0.4, 0.4, 0.4, 0.1)
   */
  'brightness': (number);
  'contrast': (number);
  'saturation': (number);
  'hue': (number);
  /**
   * probability of ColorJitter (0.8)
   */
  'jitterP': (number);
  /**
   * RandomGrayscale (0.2)
   */
  'grayscaleP': (number);
  /**
   * GaussianBlur (0.5)
   */
  'blurP': (number);
  /**
   * (0.1)
   */
  'blurSigmaMin': (number);
  /**
   * (2.0)
   */
  'blurSigmaMax': (number);
  /**
   * HorizontalFlip (0.5)
   */
  'flipP': (number);
  /**
   * RandomResizedCrop tries before the centre-crop fallback (10)
   */
  'cropAttempts': (number);
}
