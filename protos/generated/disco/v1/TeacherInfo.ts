// Original file: protos/disco/v1/teacher.proto


export interface TeacherInfo {
  /**
   * model zoo name, e.g. resnet50
   */
  'model'?: (string);
  'embeddingDim'?: (number);
  /**
   * "eval" | "batch"
   */
  'bnMode'?: (string);
  /**
   * tfjs backend in use
   */
  'backend'?: (string);
  /**
   * where the weights came from: "seed:<n>" or a checkpoint path
   */
  'weights'?: (string);
}

export interface TeacherInfo__Output {
  /**
   * model zoo name, e.g. resnet50
   */
  'model': (string);
  'embeddingDim': (number);
  /**
   * "eval" | "batch"
   */
  'bnMode': (string);
  /**
   * tfjs backend in use
   */
  'backend': (string);
  /**
   * where the weights came from: "seed:<n>" or a checkpoint path
   */
  'weights': (string);
}
