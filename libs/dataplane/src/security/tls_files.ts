/**
 * Reads a role's TLS files (the `tls` config section, or a Kubernetes TLS Secret mounted as
 * files) once, at start-up, and checks them before any socket exists: each file is PEM of the
 * right kind, the certificate has not expired, and the key belongs to the certificate. Errors
 * name the file and the reason; the bytes themselves are never put in a message.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { TlsFileError } from './errors.ts';

/** What the security helpers need; `@disco/config`'s `TlsConfig` fits it. */
export interface TlsSettings {
  enabled: boolean;
  /** PEM certificate chain of this role (server certificate; client certificate when calling). */
  certFile: string;
  /** PEM private key of `certFile`. */
  keyFile: string;
  /** PEM CA bundle that verifies peers; '' = system roots (clients only). */
  caFile: string;
  /** Servers: refuse clients without a certificate signed by `caFile`. */
  requireClientCert: boolean;
  /** Clients: the name to verify in the server's certificate ('' = the address's host). */
  serverNameOverride: string;
}

/** The loaded files. Hold on to them only as long as building credentials takes. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** undefined = system roots. */
  ca: Buffer | undefined;
  /** Subject and expiry of `cert`, for one start-up log line (no key material). */
  summary: string;
}

function readPem(file: string, kind: RegExp, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new TlsFileError(file, `cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!kind.test(bytes.toString('latin1'))) throw new TlsFileError(file, `is not a PEM ${what}`);
  return bytes;
}

const CERT = /-----BEGIN CERTIFICATE-----/;
const KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

export function readTlsMaterial(settings: TlsSettings, now = Date.now()): TlsMaterial {
  const cert = readPem(settings.certFile, CERT, 'certificate');
  const key = readPem(settings.keyFile, KEY, 'private key');
  const ca = settings.caFile === '' ? undefined : readPem(settings.caFile, CERT, 'CA certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsFileError(settings.certFile, `is not a valid certificate (${(err as Error).message})`);
  }
  if (Date.parse(leaf.validTo) <= now) throw new TlsFileError(settings.certFile, `certificate expired on ${leaf.validTo}`);
  if (!leaf.checkPrivateKey(loadKey(settings.keyFile, key))) {
    throw new TlsFileError(settings.keyFile, `private key does not belong to the certificate in ${settings.certFile}`);
  }
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new TlsFileError(ca ? settings.caFile : settings.certFile, `not usable for TLS (${(err as Error).message})`);
  }
  const summary = `certificate ${leaf.subject.replace(/\n/g, ', ')} (issuer ${leaf.issuer.replace(/\n/g, ', ')}, valid until ${leaf.validTo})`;
  return { cert, key, ca, summary };
}

function loadKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new TlsFileError(file, `is not a usable private key (${(err as Error).message})`);
  }
}
