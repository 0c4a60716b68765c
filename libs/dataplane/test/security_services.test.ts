/**
 * The real roles over mutual TLS, configured only through `DISCO_TLS_*` (as a Kubernetes Secret
 * mounted as files would be): a teacher process and an augment worker process lease, embed and
 * deliver batches to a coordinator served over mTLS. A plaintext client and a client with a
 * certificate from another CA are refused by every role, and no role prints key material on
 * stderr or in /metrics. Roles are started by path (libs never import services).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  DEFAULT_WIRE_LIMITS,
  DataplaneCoordinator,
  PLAINTEXT,
  RoleServer,
  channelOptions,
  clientSecurity,
  loadProtos,
  serverSecurity,
  spawnRole,
  type ClientSecurity,
  type HealthClient,
} from '@disco/dataplane';
import { makeTestPki, tlsSettings } from './security_certs.ts';
import { REPO_ROOT, writeIdxImages } from './hostile_fixtures.ts';

const IMAGES = 8;
const BATCH = 4;

function health(address: string, security: ClientSecurity): Promise<grpc.status> {
  const client = new (loadProtos().grpc.health.v1.Health)(address, security.credentials, { ...channelOptions(), ...security.options }) as HealthClient;
  return new Promise((resolve) =>
    client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err) => {
      client.close();
      resolve(err ? err.code : grpc.status.OK);
    }),
  );
}

test('teacher and augment worker deliver batches over mutual TLS; untrusted clients are refused; no key material printed', async () => {
  const pki = makeTestPki();
  const data = writeIdxImages(IMAGES, 12);
  after(() => {
    pki.remove();
    data.remove();
  });
  const tls = tlsSettings(pki, pki.role);
  const env = {
    ...process.env,
    DISCO_TLS_ENABLED: 'true',
    DISCO_TLS_CERT_FILE: pki.role.cert,
    DISCO_TLS_KEY_FILE: pki.role.key,
    DISCO_TLS_CA_FILE: pki.ca,
    DISCO_TLS_SERVER_NAME_OVERRIDE: 'localhost',
  };

  const coordinator = new DataplaneCoordinator({ window: 2, leaseMs: 30_000, limits: DEFAULT_WIRE_LIMITS, maxPendingBytes: 16 << 20, datasetSize: IMAGES });
  const server = new RoleServer({ services: ['disco.v1.Coordinator'], credentials: serverSecurity(tls).credentials });
  server.server.addService(loadProtos().disco.v1.Coordinator.service, coordinator.handlers);
  const port = await server.listen('127.0.0.1', 0);
  server.health.setAll('SERVING');
  after(() => {
    coordinator.close();
    server.close();
  });
  coordinator.extend([0, 1].map((step) => ({ id: { run: 'tls', epoch: 0, step }, spec: { indices: [0, 1, 2, 3].map((i) => (i + step * BATCH) % IMAGES), runSeed: 3, size: 8, datasetSize: IMAGES } })));

  const stderr: string[] = [];
  const teacher = await spawnRole({
    script: join(REPO_ROOT, 'services/teacher/src/main.ts'),
    args: ['--teacher.host', '127.0.0.1', '--teacher.port', '0', '--teacher.metrics-port', '0', '--teacher.model', 'resnet18-cifar', '--teacher.width', '0.125',
      '--teacher.head-hidden', '8', '--teacher.embed-dim', '4'],
    env,
    onStderr: (line) => stderr.push(line),
  });
  after(() => teacher.child.kill('SIGKILL'));
  const augment = await spawnRole({
    script: join(REPO_ROOT, 'services/augment/src/main.ts'),
    args: ['--augment.host', '127.0.0.1', '--augment.port', '0', '--augment.metrics-port', '0', '--augment.dataset', data.dir, '--augment.worker-id', 'tls-worker',
      '--augment.trainer', `127.0.0.1:${port}`, '--augment.teachers', `127.0.0.1:${teacher.info.port}`, '--dataplane.retry-backoff-ms', '100'],
    env,
    onStderr: (line) => stderr.push(line),
  });
  after(() => augment.child.kill('SIGKILL'));

  for (let step = 0; step < 2; step++) {
    const batch = await coordinator.next(AbortSignal.timeout(60_000));
    assert.equal(batch.key, `tls/0/${step}`);
    assert.equal(batch.embeddings[0].length, BATCH * 4, 'the teacher embedded the views over mTLS');
    coordinator.consumed(batch.key);
  }
  assert.equal(coordinator.counters.accepted, 2);

  const trusted = clientSecurity(tlsSettings(pki, pki.operator, { serverNameOverride: 'localhost' }));
  const intruder = clientSecurity(tlsSettings(pki, pki.intruder, { serverNameOverride: 'localhost' }));
  for (const [role, p] of [['teacher', teacher.info.port], ['augment', augment.info.port], ['coordinator', port]] as const) {
    const address = `127.0.0.1:${p}`;
    assert.equal(await health(address, trusted), grpc.status.OK, `${role}: trusted client`);
    assert.equal(await health(address, PLAINTEXT), grpc.status.UNAVAILABLE, `${role}: plaintext client`);
    assert.equal(await health(address, intruder), grpc.status.UNAVAILABLE, `${role}: certificate from another CA`);
  }

  const logged = stderr.join('\n');
  assert.match(logged, /teacher: tls: mutual TLS; certificate CN=disco-role \(issuer CN=disco-ca/);
  assert.match(logged, /augment: tls: mutual TLS; certificate CN=disco-role/);
  const metrics = await Promise.all([teacher, augment].map(async (r) => (await fetch(`http://127.0.0.1:${r.info.metricsPort}/metrics`)).text()));
  const key = readFileSync(pki.role.key, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  for (const [where, text] of [['stderr', logged], ['teacher /metrics', metrics[0]], ['augment /metrics', metrics[1]]]) {
    assert.ok(!/PRIVATE KEY/.test(text) && key.every((l) => !text.includes(l)), `${where} holds no key material`);
    assert.ok(!text.includes(pki.dir) || where === 'stderr', `${where}: no certificate paths in metric labels`);
  }
});
