/**
 * Authorisation of control RPCs (the trainer's `Stop`, say): with TLS on, only a caller that
 * presented a client certificate verified against the configured CA may use them. grpc-js
 * (≥ 1.10) reports the verified certificate through `call.getAuthContext()`; an unverified or
 * absent one reads as no certificate. With TLS off (plaintext on loopback, the embedded
 * default) there is no identity to check and the call is allowed: keep such ports private.
 */
import type { PeerCertificate } from 'node:tls';
import { UnauthenticatedError } from './errors.ts';

/** The parts of a grpc-js server call the check reads (every server call type has them). */
export interface AuthenticatableCall {
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null;
  getPeer(): string;
}

/** Who called: from the verified client certificate. Safe to log (no key material). */
export interface PeerIdentity {
  /** Subject common name ('' if the certificate has none). */
  commonName: string;
  /** SHA-256 fingerprint of the certificate, `AB:CD:…`. */
  fingerprint256: string;
}

/** The verified client certificate's identity, or undefined when there is none. */
export function authenticatedPeer(call: AuthenticatableCall): PeerIdentity | undefined {
  const auth = call.getAuthContext();
  const cert = auth?.transportSecurityType === 'ssl' ? auth.sslPeerCertificate : undefined;
  if (!cert?.raw) return undefined;
  const cn = cert.subject?.CN;
  return { commonName: Array.isArray(cn) ? cn.join(',') : (cn ?? ''), fingerprint256: cert.fingerprint256 };
}

/**
 * Throws UnauthenticatedError (→ UNAUTHENTICATED) unless TLS is off or the caller presented a
 * verified client certificate. Returns the caller's identity (undefined with TLS off). Use in a
 * handler: `try { requireAuthenticatedPeer(call, config.tls) } catch (err) { callback(toServiceError(err)); return; }`.
 */
export function requireAuthenticatedPeer(call: AuthenticatableCall, tls: { readonly enabled: boolean } | undefined, what = 'this call'): PeerIdentity | undefined {
  if (!tls?.enabled) return undefined;
  const peer = authenticatedPeer(call);
  if (!peer) throw new UnauthenticatedError(`${what} needs a client certificate signed by the configured CA; ${call.getPeer()} presented none`);
  return peer;
}
