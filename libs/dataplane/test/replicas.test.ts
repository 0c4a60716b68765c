/** Client-side round-robin over replicas, skipping a dead one; write() → 'drain' backpressure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { ReplicaPool, RoleServer, loadProtos, parseAddresses, writeMessage, StreamClosedError, type TeacherClient } from '@disco/dataplane';

async function replica(name: string): Promise<{ role: RoleServer; port: number }> {
  const role = new RoleServer({ services: [] });
  role.server.addService(loadProtos().disco.v1.Teacher.service, {
    Info: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { model: name }),
  });
  return { role, port: await role.listen('127.0.0.1', 0) };
}

const info = (client: TeacherClient) =>
  new Promise<string>((resolve, reject) => client.Info({}, { deadline: Date.now() + 3000 }, (err, r) => (err ? reject(err) : resolve(r!.model))));

test('calls alternate over replicas and avoid one that is down', async () => {
  const a = await replica('a');
  const b = await replica('b');
  const pool = new ReplicaPool(loadProtos().disco.v1.Teacher, parseAddresses(` 127.0.0.1:${a.port}, 127.0.0.1:${b.port} ,`));
  assert.equal(pool.size, 2);
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(await info(pool.next()));
  assert.deepEqual(seen.sort(), ['a', 'a', 'b', 'b']);

  b.role.close();
  // The channel to b notices; after that every pick is a.
  const bClient = pool.all()[1];
  await assert.rejects(info(bClient), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
  const after = [];
  for (let i = 0; i < 4; i++) after.push(await info(pool.next()));
  assert.deepEqual(after, ['a', 'a', 'a', 'a']);
  pool.close();
  a.role.close();
});

test('writeMessage waits for drain when the buffer is full, and fails on a closed stream', async () => {
  let release: (() => void) | undefined;
  const slow = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(_chunk, _enc, cb) {
      release = cb;
    },
  });
  let done = false;
  const first = writeMessage(slow, 1).then(() => (done = true)); // buffer full at once
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'waits for drain');
  release!();
  await first;
  assert.equal(done, true);
  const closed = new PassThrough();
  closed.end();
  await assert.rejects(writeMessage(closed, 1), StreamClosedError);
});
