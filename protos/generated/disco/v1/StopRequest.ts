// Original file: protos/disco/v1/coordinator.proto


export interface StopRequest {
  /**
   * write a checkpoint before stopping
   */
  'checkpoint'?: (boolean);
  'reason'?: (string);
}

export interface StopRequest__Output {
  /**
   * write a checkpoint before stopping
   */
  'checkpoint': (boolean);
  'reason': (string);
}
