/**
 * Domain errors of the data plane. Each names the offending field and the reason; `status.ts`
 * is the one place that maps them to gRPC status codes.
 */

export abstract class DataplaneError extends Error {
  /** The message field (proto name, e.g. `shape[1]`) the error is about, if any. */
  abstract readonly field: string | undefined;
}

/** A field holds a value the protocol does not allow (INVALID_ARGUMENT). */
export class InvalidFieldError extends DataplaneError {
  override name = 'InvalidFieldError';
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
  }
}

/** A field asks for more than this process accepts (RESOURCE_EXHAUSTED). */
export class LimitExceededError extends DataplaneError {
  override name = 'LimitExceededError';
  constructor(readonly field: string, readonly value: number, readonly limit: number, what = 'limit') {
    super(`${field}: ${value} exceeds the ${what} of ${limit}`);
  }
}

/** The same images of a view arrived twice within one delivery (INVALID_ARGUMENT). */
export class DuplicateChunkError extends DataplaneError {
  override name = 'DuplicateChunkError';
  readonly field = 'offset';
  constructor(batch: string, view: number, offset: number, count: number) {
    super(`offset: images [${offset}, ${offset + count}) of view ${view} of batch ${batch} were already received`);
  }
}

/** A batch id that is not in the plan (INVALID_ARGUMENT). */
export class UnknownBatchError extends DataplaneError {
  override name = 'UnknownBatchError';
  readonly field = 'batch';
  constructor(batch: string, why = 'is not in the plan') {
    super(`batch: ${batch} ${why}`);
  }
}

/** The peer's data does not match ours, e.g. a different dataset length (FAILED_PRECONDITION). */
export class PreconditionError extends DataplaneError {
  override name = 'PreconditionError';
  constructor(readonly field: string | undefined, reason: string) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

/** The process is draining or not ready (UNAVAILABLE): the client retries elsewhere. */
export class UnavailableError extends DataplaneError {
  override name = 'UnavailableError';
  readonly field = undefined;
}

/** A batch that is already joined was sent again (ALREADY_EXISTS). */
export class DuplicateBatchError extends DataplaneError {
  override name = 'DuplicateBatchError';
  readonly field = 'batch';
  constructor(batch: string) {
    super(`batch: ${batch} is already joined`);
  }
}
