/**
 * The `tls` config section and its files: `DISCO_TLS_*` fill it; bad files fail at start-up
 * naming the file and the reason; and neither the config's printed forms nor any error or log
 * line carries key material (the config holds paths; keys are read only into credentials).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, describeConfig, discoConfigSchema, loadConfig } from '@disco/config';
import { TlsFileError, clientSecurity, readTlsMaterial, serverSecurity } from '@disco/dataplane';
import { makeTestPki, tlsSettings } from './security_certs.ts';

const pki = makeTestPki();
after(() => pki.remove());

/** The base64 lines of every private key of the test PKI: none may ever be printed. */
const secretLines = [pki.role.key, pki.operator.key, pki.intruder.key, join(pki.dir, 'disco-ca.key')].flatMap((file) =>
  readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('-----')),
);

function assertNoKeyMaterial(text: string, where: string): void {
  for (const line of secretLines) assert.ok(!text.includes(line), `${where} contains key material`);
  assert.ok(!/PRIVATE KEY/.test(text), `${where} contains a PEM key header`);
}

const env = {
  DISCO_TLS_ENABLED: 'true',
  DISCO_TLS_CERT_FILE: pki.role.cert,
  DISCO_TLS_KEY_FILE: pki.role.key,
  DISCO_TLS_CA_FILE: pki.ca,
  DISCO_TLS_SERVER_NAME_OVERRIDE: 'trainer.disco.svc',
};

test('DISCO_TLS_* env fill the tls section; enabling TLS without its files is a config error', () => {
  const config = loadConfig(discoConfigSchema, { env });
  assert.deepEqual(config.tls, {
    enabled: true,
    certFile: pki.role.cert,
    keyFile: pki.role.key,
    caFile: pki.ca,
    requireClientCert: true,
    serverNameOverride: 'trainer.disco.svc',
  });
  assert.equal(loadConfig(discoConfigSchema, { env: {} }).tls.enabled, false, 'plaintext by default');
  assert.throws(
    () => loadConfig(discoConfigSchema, { env: { DISCO_TLS_ENABLED: 'true', DISCO_TLS_CERT_FILE: pki.role.cert } }),
    (e: Error) => e instanceof ConfigError && /tls\.keyFile: .*env DISCO_TLS_KEY_FILE/.test(e.message) && /tls\.caFile: .*requireClientCert/.test(e.message),
  );
  const serverOnly = loadConfig(discoConfigSchema, { argv: ['--tls.enabled', '--tls.cert-file', pki.role.cert, '--tls.key-file', pki.role.key, '--tls.require-client-cert', 'false'], env: {} });
  assert.equal(serverOnly.tls.caFile, '', 'server-only TLS needs no CA');
});

test("the config's printed forms and the start-up log line hold paths, never key material", () => {
  const config = loadConfig(discoConfigSchema, { env });
  const printed = [JSON.stringify(config, null, 2), describeConfig(discoConfigSchema), String(config.tls.keyFile)];
  const server = serverSecurity(config.tls);
  assert.match(server.summary, /^mutual TLS; certificate CN=disco-role \(issuer CN=disco-ca, valid until .*\)$/);
  clientSecurity(config.tls);
  for (const [i, text] of [...printed, server.summary].entries()) assertNoKeyMaterial(text, `printed form ${i}`);
  assert.ok(printed[0].includes(pki.role.key), 'the key is named by its path');
});

test('bad TLS files fail at start-up naming the file and the reason, without their contents', () => {
  const notPem = join(pki.dir, 'not-pem.txt');
  writeFileSync(notPem, 'hello\n');
  const good = tlsSettings(pki, pki.role);
  const cases: [Partial<typeof good>, string, RegExp][] = [
    [{ certFile: join(pki.dir, 'absent.crt') }, join(pki.dir, 'absent.crt'), /cannot read certificate: ENOENT/],
    [{ keyFile: pki.role.cert }, pki.role.cert, /is not a PEM private key/],
    [{ certFile: pki.role.key }, pki.role.key, /is not a PEM certificate/],
    [{ caFile: notPem }, notPem, /is not a PEM CA certificate/],
    [{ keyFile: pki.operator.key }, pki.operator.key, /private key does not belong to the certificate in .*role\.crt/],
  ];
  for (const [change, file, reason] of cases) {
    for (const build of [serverSecurity, clientSecurity]) {
      assert.throws(
        () => build({ ...good, ...change }),
        (e: unknown) => {
          assert.ok(e instanceof TlsFileError, `expected TlsFileError, got ${e}`);
          assert.equal(e.file, file);
          assert.match(e.message, reason);
          assertNoKeyMaterial(e.message, e.message);
          return true;
        },
      );
    }
  }
  assert.throws(() => serverSecurity({ ...good, caFile: '' }), (e: Error) => e instanceof TlsFileError && /tls\.caFile: is empty, but requireClientCert needs a CA/.test(e.message));
  const inTenDays = Date.now() + 10 * 24 * 3600 * 1000;
  assert.throws(() => readTlsMaterial(good, inTenDays), (e: Error) => e instanceof TlsFileError && /role\.crt: certificate expired on /.test(e.message));
});
