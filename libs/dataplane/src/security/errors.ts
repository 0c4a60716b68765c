/**
 * Errors of transport security. A bad certificate or key file fails start-up naming the file and
 * the reason (never its contents); an unauthenticated caller of a control RPC is refused with
 * UNAUTHENTICATED (mapped in status.ts).
 */
import { DataplaneError } from '../codec/errors.ts';

/** A TLS file that cannot be used: missing, not PEM, expired, or a key that does not fit. */
export class TlsFileError extends Error {
  override name = 'TlsFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`TLS ${file}: ${reason}`);
  }
}

/** The caller did not prove who it is (no verified client certificate) (UNAUTHENTICATED). */
export class UnauthenticatedError extends DataplaneError {
  override name = 'UnauthenticatedError';
  readonly field = undefined;
}
