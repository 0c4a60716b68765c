/**
 * The one place domain errors become gRPC statuses. Handlers end a failed call with
 * `callback(toServiceError(err))` or `call.destroy(toServiceError(err))`, then return.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  DuplicateBatchError,
  DuplicateChunkError,
  InvalidFieldError,
  LimitExceededError,
  PreconditionError,
  UnavailableError,
  UnknownBatchError,
} from './codec/errors.ts';
import { UnauthenticatedError } from './security/errors.ts';

/** The gRPC code for an error thrown by disco code (INTERNAL for anything unexpected). */
export function statusCodeOf(err: unknown): status {
  if (err instanceof InvalidFieldError || err instanceof DuplicateChunkError || err instanceof UnknownBatchError) {
    return status.INVALID_ARGUMENT;
  }
  if (err instanceof LimitExceededError) return status.RESOURCE_EXHAUSTED;
  if (err instanceof DuplicateBatchError) return status.ALREADY_EXISTS;
  if (err instanceof PreconditionError) return status.FAILED_PRECONDITION;
  if (err instanceof UnavailableError) return status.UNAVAILABLE;
  if (err instanceof UnauthenticatedError) return status.UNAUTHENTICATED;
  if (isServiceError(err)) return err.code;
  return status.INTERNAL;
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'metadata' in err;
}

/** A status object for `callback(err)` / `call.destroy(err)`: `{code, details}` plus message. */
export function toServiceError(err: unknown): ServiceError {
  const code = statusCodeOf(err);
  const details = isServiceError(err) ? err.details : err instanceof Error ? err.message : String(err);
  const out = new Error(details) as ServiceError;
  out.code = code;
  out.details = details;
  out.metadata = new Metadata();
  return out;
}

/** Codes after which the same request may succeed elsewhere or later (another replica, a retry). */
export function isRetryable(code: status): boolean {
  return code !== status.INVALID_ARGUMENT && code !== status.FAILED_PRECONDITION && code !== status.OUT_OF_RANGE
    && code !== status.UNIMPLEMENTED && code !== status.ALREADY_EXISTS && code !== status.PERMISSION_DENIED
    && code !== status.UNAUTHENTICATED && code !== status.OK;
}

/**
 * Ends a server-streaming or bidi call with the error's status. grpc-js turns an `'error'` event
 * on the server stream into the call's status (`destroy()` would skip sending it).
 */
export function failStream(call: NodeJS.EventEmitter, err: unknown): void {
  call.emit('error', toServiceError(err));
}
