// Original file: protos/disco/v1/coordinator.proto


export interface WorkerHello {
  /**
   * unique per worker process (host:pid:random)
   */
  'workerId'?: (string);
  /**
   * length of the worker's dataset; the trainer refuses a mismatch
   */
  'datasetSize'?: (number);
  /**
   * the teacher addresses the worker embeds with (the trainer's live page checks their health)
   */
  'teachers'?: (string)[];
}

export interface WorkerHello__Output {
  /**
   * unique per worker process (host:pid:random)
   */
  'workerId': (string);
  /**
   * length of the worker's dataset; the trainer refuses a mismatch
   */
  'datasetSize': (number);
  /**
   * the teacher addresses the worker embeds with (the trainer's live page checks their health)
   */
  'teachers': (string)[];
}
