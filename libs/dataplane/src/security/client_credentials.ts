/**
 * Channel credentials from the `tls` settings: plaintext when TLS is off; otherwise the server
 * is verified against `caFile` (system roots if empty) and the role's own certificate and key
 * are presented as its client certificate (mutual TLS). `serverNameOverride` names the identity
 * to verify when the address is an IP or a per-pod name the certificate does not list.
 */
import * as grpc from '@grpc/grpc-js';
import { readTlsMaterial, type TlsSettings } from './tls_files.ts';

/** What a client channel needs besides its address: credentials, and options to merge. */
export interface ClientSecurity {
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
}

export const PLAINTEXT: Readonly<ClientSecurity> = Object.freeze({ credentials: grpc.credentials.createInsecure(), options: Object.freeze({}) });

/** Reads and checks the files now (throws TlsFileError). */
export function clientSecurity(settings?: Readonly<TlsSettings>): ClientSecurity {
  if (!settings?.enabled) return PLAINTEXT;
  const material = readTlsMaterial(settings);
  const options: grpc.ChannelOptions = {};
  if (settings.serverNameOverride !== '') {
    options['grpc.ssl_target_name_override'] = settings.serverNameOverride;
    options['grpc.default_authority'] = settings.serverNameOverride;
  }
  return { credentials: grpc.credentials.createSsl(material.ca ?? null, material.key, material.cert), options };
}
