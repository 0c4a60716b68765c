/**
 * TLS and mutual TLS on real servers on localhost:0, with a CA made for the test: trusted
 * clients connect; plaintext clients, clients with a certificate from another CA and clients
 * that do not trust the server are refused (UNAVAILABLE); a control RPC guarded by
 * `requireAuthenticatedPeer` refuses callers without a verified client certificate
 * (UNAUTHENTICATED) when TLS is on.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  PLAINTEXT,
  RoleServer,
  channelOptions,
  clientSecurity,
  loadProtos,
  requireAuthenticatedPeer,
  serverSecurity,
  toServiceError,
  type ClientSecurity,
  type CoordinatorClient,
  type PeerIdentity,
  type TlsSettings,
} from '@disco/dataplane';
import { makeTestPki, tlsSettings } from './security_certs.ts';

const pki = makeTestPki();
after(() => pki.remove());

/** A test-only control service on the Coordinator proto: Status open, Stop for authenticated peers. */
async function startControlServer(tls: TlsSettings | undefined) {
  const role = new RoleServer({ services: ['disco.v1.Coordinator'], credentials: serverSecurity(tls).credentials });
  const stoppedBy: (PeerIdentity | undefined)[] = [];
  const handlers: grpc.UntypedServiceImplementation = {
    Status: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { run: 'secure', state: 'TRAINING' }),
    Stop: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      let peer: PeerIdentity | undefined;
      try {
        peer = requireAuthenticatedPeer(call, tls, 'Stop');
      } catch (err) {
        callback(toServiceError(err));
        return;
      }
      stoppedBy.push(peer);
      callback(null, { checkpoint: '' });
    },
  };
  role.server.addService(loadProtos().disco.v1.Coordinator.service, handlers);
  const port = await role.listen('127.0.0.1', 0);
  after(() => role.close());
  return { port, stoppedBy };
}

const clients: grpc.Client[] = [];
after(() => clients.forEach((c) => c.close()));

function connect(port: number, security: ClientSecurity, host = 'localhost'): CoordinatorClient {
  const client = new (loadProtos().disco.v1.Coordinator)(`${host}:${port}`, security.credentials, { ...channelOptions(), ...security.options }) as CoordinatorClient;
  clients.push(client);
  return client;
}

interface Outcome {
  code: grpc.status;
  details: string;
}

function call(client: CoordinatorClient, method: 'Status' | 'Stop'): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (err: grpc.ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
    if (method === 'Status') client.Status({}, { deadline: Date.now() + 5000 }, done);
    else client.Stop({ reason: 'test' }, { deadline: Date.now() + 5000 }, done);
  });
}

/** A TLS client that trusts our CA but has no certificate of its own. */
const noCertificate = (): ClientSecurity => ({ credentials: grpc.credentials.createSsl(readFileSync(pki.ca)), options: {} });

test('mutual TLS: trusted client certificates connect; plaintext, rogue-CA and certificate-less clients get UNAVAILABLE', async () => {
  const { port, stoppedBy } = await startControlServer(tlsSettings(pki, pki.role));
  const operator = clientSecurity(tlsSettings(pki, pki.operator));
  assert.deepEqual(await call(connect(port, operator), 'Status'), { code: grpc.status.OK, details: '' });
  assert.equal((await call(connect(port, operator), 'Stop')).code, grpc.status.OK);
  assert.equal((await call(connect(port, clientSecurity(tlsSettings(pki, pki.role))), 'Stop')).code, grpc.status.OK, 'a role calls another with its own certificate');
  assert.deepEqual(stoppedBy.map((p) => p?.commonName), ['disco-operator', 'disco-role']);
  assert.match(stoppedBy[0]!.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

  // By IP (the certificate lists 127.0.0.1) and by an overridden name it lists.
  assert.equal((await call(connect(port, operator, '127.0.0.1'), 'Status')).code, grpc.status.OK);
  const named = clientSecurity(tlsSettings(pki, pki.operator, { serverNameOverride: 'trainer.disco.svc' }));
  assert.equal((await call(connect(port, named, '127.0.0.1'), 'Status')).code, grpc.status.OK);

  const refused: [string, ClientSecurity][] = [
    ['plaintext client', PLAINTEXT],
    ['client certificate signed by another CA', clientSecurity(tlsSettings(pki, pki.intruder))],
    ['no client certificate', noCertificate()],
    ['client that does not trust the server', clientSecurity(tlsSettings(pki, pki.operator, { caFile: pki.rogueCa }))],
    ['server name the certificate does not list', clientSecurity(tlsSettings(pki, pki.operator, { serverNameOverride: 'evil.example' }))],
  ];
  for (const [name, security] of refused) {
    for (const method of ['Status', 'Stop'] as const) {
      const outcome = await call(connect(port, security), method);
      assert.equal(outcome.code, grpc.status.UNAVAILABLE, `${name}, ${method}: ${outcome.details}`);
    }
  }
  assert.equal(stoppedBy.length, 2, 'no refused client reached the handler');
  assert.equal((await call(connect(port, operator), 'Status')).code, grpc.status.OK, 'the server keeps serving');
});

test('TLS with optional client certificates: Stop needs a verified one (UNAUTHENTICATED), Status does not', async () => {
  const tls = tlsSettings(pki, pki.role, { requireClientCert: false });
  const { port, stoppedBy } = await startControlServer(tls);
  for (const [name, security] of [['no client certificate', noCertificate()], ['certificate from another CA', clientSecurity(tlsSettings(pki, pki.intruder))]] as const) {
    const client = connect(port, security);
    assert.equal((await call(client, 'Status')).code, grpc.status.OK, `${name}: data-plane calls work over server-only TLS`);
    const stop = await call(client, 'Stop');
    assert.equal(stop.code, grpc.status.UNAUTHENTICATED, `${name}: ${stop.details}`);
    assert.match(stop.details, /^Stop needs a client certificate signed by the configured CA; .*127\.0\.0\.1.* presented none$/);
  }
  assert.equal((await call(connect(port, PLAINTEXT), 'Status')).code, grpc.status.UNAVAILABLE, 'plaintext is still refused');
  assert.equal((await call(connect(port, clientSecurity(tlsSettings(pki, pki.operator))), 'Stop')).code, grpc.status.OK);
  assert.deepEqual(stoppedBy.map((p) => p?.commonName), ['disco-operator']);
});

test('TLS off (the loopback default): plaintext works and control RPCs are open', async () => {
  const { port, stoppedBy } = await startControlServer(undefined);
  assert.equal((await call(connect(port, PLAINTEXT), 'Stop')).code, grpc.status.OK);
  assert.equal((await call(connect(port, clientSecurity({ ...tlsSettings(pki, pki.operator), enabled: false })), 'Status')).code, grpc.status.OK);
  assert.deepEqual(stoppedBy, [undefined]);
  assert.equal((await call(connect(port, clientSecurity(tlsSettings(pki, pki.operator))), 'Status')).code, grpc.status.UNAVAILABLE, 'a TLS client does not talk to a plaintext server');
});
