// Original file: protos/disco/v1/coordinator.proto

import type { WorkerHello as _disco_v1_WorkerHello, WorkerHello__Output as _disco_v1_WorkerHello__Output } from '../../disco/v1/WorkerHello.ts';

/**
 * Worker → trainer on the Lease stream: first a hello, then credits as capacity frees up.
 */
export interface LeaseRequest {
  'hello'?: (_disco_v1_WorkerHello | null);
  /**
   * how many more batch specs the worker can take
   */
  'credits'?: (number);
  /**
   * give back a lease the worker cannot finish (re-leased at once)
   */
  'releaseLeaseId'?: (string);
  'kind'?: "hello"|"credits"|"releaseLeaseId";
}

/**
 * Worker → trainer on the Lease stream: first a hello, then credits as capacity frees up.
 */
export interface LeaseRequest__Output {
  'hello'?: (_disco_v1_WorkerHello__Output | null);
  /**
   * how many more batch specs the worker can take
   */
  'credits'?: (number);
  /**
   * give back a lease the worker cannot finish (re-leased at once)
   */
  'releaseLeaseId'?: (string);
  'kind'?: "hello"|"credits"|"releaseLeaseId";
}
