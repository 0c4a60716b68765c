// Original file: protos/disco/v1/augment.proto


export interface AugmentInfo {
  'datasetSize'?: (number);
  /**
   * what the worker reads (path or name)
   */
  'dataset'?: (string);
  /**
   * views are bit-identical across workers of the same sharp version
   */
  'sharpVersion'?: (string);
}

export interface AugmentInfo__Output {
  'datasetSize': (number);
  /**
   * what the worker reads (path or name)
   */
  'dataset': (string);
  /**
   * views are bit-identical across workers of the same sharp version
   */
  'sharpVersion': (string);
}
