/**
 * A throw-away PKI made at test time with the `openssl` CLI (Node cannot issue certificates):
 * a disco CA with a role certificate (server + client use, SANs localhost and 127.0.0.1) and an
 * operator client certificate, plus a second, untrusted CA with an intruder's client
 * certificate signed by it. EC P-256 keys, valid for two days, in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA every disco role trusts. */
  ca: string;
  /** A role's identity (trainer, teacher, augment): serverAuth + clientAuth, CN disco-role. */
  role: CertPair;
  /** An operator's client certificate from the same CA (CN disco-operator). */
  operator: CertPair;
  /** A CA nobody trusts, and a client certificate it signed (CN intruder). */
  rogueCa: string;
  intruder: CertPair;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pair.key, '-out', pair.cert,
    '-subj', `/CN=${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pair;
}

function issue(dir: string, ca: CertPair, name: string, cn: string, extensions: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `basicConstraints=CA:FALSE\n${extensions}\n`);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pair.key, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now()), '-days', '2', '-out', pair.cert, '-extfile', ext]);
  return pair;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'disco-pki-'));
  const ca = makeCa(dir, 'disco-ca');
  const rogue = makeCa(dir, 'rogue-ca');
  return {
    dir,
    ca: ca.cert,
    role: issue(dir, ca, 'role', 'disco-role', 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:trainer.disco.svc\nextendedKeyUsage=serverAuth,clientAuth'),
    operator: issue(dir, ca, 'operator', 'disco-operator', 'extendedKeyUsage=clientAuth'),
    rogueCa: rogue.cert,
    intruder: issue(dir, rogue, 'intruder', 'intruder', 'extendedKeyUsage=clientAuth'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `tls` settings for a role or client holding `pair`. */
export function tlsSettings(pki: TestPki, pair: CertPair | undefined, overrides: Partial<{ caFile: string; requireClientCert: boolean; serverNameOverride: string }> = {}) {
  return {
    enabled: true,
    certFile: pair?.cert ?? '',
    keyFile: pair?.key ?? '',
    caFile: pki.ca,
    requireClientCert: true,
    serverNameOverride: '',
    ...overrides,
  };
}
