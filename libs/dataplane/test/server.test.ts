/** RoleServer: health Check/Watch, NOT_SERVING before drain, running calls finish, new ones refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { RoleServer, loadProtos, type HealthClient, type HealthCheckResponse__Output } from '@disco/dataplane';

/** Polls until `ready()` (no fixed sleeps: on a loaded machine a call can take long to arrive). */
async function until(what: string, ready: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('drain: NOT_SERVING first, then the server stops once running calls end', async (t) => {
  const role = new RoleServer({ services: ['disco.v1.Teacher'] });
  let finishRunning: (() => void) | undefined;
  role.server.addService(loadProtos().disco.v1.Teacher.service, {
    Info: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      finishRunning = () => callback(null, { model: 'slow' });
    },
  });
  const port = await role.listen('127.0.0.1', 0);
  const health = new (loadProtos().grpc.health.v1.Health)(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as HealthClient;
  const teacher = new (loadProtos().disco.v1.Teacher)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  // A failed assertion must not leave the server and streams open (the test file would never end).
  t.after(() => (role.server.forceShutdown(), health.close(), teacher.close()));
  const check = (service: string) =>
    new Promise<string>((resolve, reject) => health.Check({ service }, { deadline: Date.now() + 2000 }, (err, r) => (err ? reject(err) : resolve(r!.status as string))));

  assert.equal(await check(''), 'NOT_SERVING', 'not serving until told');
  role.health.setAll('SERVING');
  assert.equal(await check('disco.v1.Teacher'), 'SERVING');
  await assert.rejects(check('nope'), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);

  const watched: string[] = [];
  const watch = health.Watch({ service: 'disco.v1.Teacher' });
  watch.on('data', (r: HealthCheckResponse__Output) => watched.push(r.status as string));
  watch.on('error', () => undefined);
  await until('the watch saw SERVING', () => watched.length === 1);

  const running = new Promise((resolve, reject) => teacher.Info({}, { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(err) : resolve(r))));
  await until('the call is running', () => finishRunning !== undefined);

  const drained = role.drain({ delayMs: 50, graceMs: 20_000 });
  await until('the watch saw NOT_SERVING', () => watched.length === 2);
  assert.deepEqual(watched, ['SERVING', 'NOT_SERVING']);
  finishRunning!();
  assert.deepEqual(await running, { model: 'slow', embeddingDim: 0, bnMode: '', backend: '', weights: '' });
  await drained;
  await assert.rejects(check(''), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
});

test('drain cancels calls still running after the grace period', async (t) => {
  const role = new RoleServer({ services: [] });
  let arrived = false;
  role.server.addService(loadProtos().disco.v1.Teacher.service, { Info: () => void (arrived = true) });
  const port = await role.listen('127.0.0.1', 0);
  const teacher = new (loadProtos().disco.v1.Teacher)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  t.after(() => (role.server.forceShutdown(), teacher.close()));
  const stuck = new Promise<grpc.ServiceError>((resolve) => teacher.Info({}, { deadline: Date.now() + 60_000 }, (err) => resolve(err!)));
  await until('the call is running', () => arrived);
  const t0 = Date.now();
  await role.drain({ delayMs: 0, graceMs: 200 });
  assert.ok(Date.now() - t0 < 10_000, 'drain returned at the grace deadline, not the call deadline');
  assert.equal((await stuck).code, grpc.status.CANCELLED);
});
