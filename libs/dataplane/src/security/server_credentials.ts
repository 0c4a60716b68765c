/**
 * Server credentials from the `tls` settings: plaintext when TLS is off; otherwise the role's
 * certificate and key, and, given a CA, client certificates are requested and verified against
 * it. `requireClientCert` (mutual TLS) refuses a connection without a valid client certificate
 * during the handshake; without it, clients may connect with server-only TLS and control RPCs
 * tell them apart with `requireAuthenticatedPeer` (peer_auth.ts).
 *
 * grpc-js's `ServerCredentials.createSsl` cannot request a certificate without also requiring
 * it, so this subclasses `ServerCredentials` with Node's own TLS options (its public
 * constructor: server options + secure-context options).
 */
import * as grpc from '@grpc/grpc-js';
import { TlsFileError } from './errors.ts';
import { readTlsMaterial, type TlsMaterial, type TlsSettings } from './tls_files.ts';

class FileServerCredentials extends grpc.ServerCredentials {
  constructor(material: TlsMaterial, requireClientCert: boolean) {
    super(
      { requestCert: material.ca !== undefined, rejectUnauthorized: requireClientCert, minVersion: 'TLSv1.2' },
      { cert: [material.cert], key: [material.key], ca: material.ca },
    );
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface ServerSecurity {
  credentials: grpc.ServerCredentials;
  /** One line for the start-up log: plaintext, or TLS with the certificate's subject and expiry. */
  summary: string;
}

/** Credentials for `RoleServer`; reads and checks the files now (throws TlsFileError). */
export function serverSecurity(settings?: Readonly<TlsSettings>): ServerSecurity {
  if (!settings?.enabled) return { credentials: grpc.ServerCredentials.createInsecure(), summary: 'plaintext (tls.enabled is false)' };
  if (settings.requireClientCert && settings.caFile === '') throw new TlsFileError('tls.caFile', 'is empty, but requireClientCert needs a CA to verify client certificates');
  const material = readTlsMaterial(settings);
  const mode = settings.requireClientCert ? 'mutual TLS' : material.ca ? 'TLS, client certificates verified when presented' : 'TLS, no client certificates';
  return { credentials: new FileServerCredentials(material, settings.requireClientCert), summary: `${mode}; ${material.summary}` };
}
