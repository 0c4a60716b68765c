/**
 * The teacher as its own process: SIGTERM turns health NOT_SERVING, lets the Embed call in
 * flight finish with all its embeddings, and exits 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { channelOptions, chunkViews, loadProtos, spawnRole, type EmbeddingChunk__Output, type HealthClient, type TeacherClient } from '@disco/dataplane';

const SCRIPT = fileURLToPath(new URL('../src/main.ts', import.meta.url));

test('SIGTERM: NOT_SERVING, the running Embed call completes, exit code 0', async () => {
  const role = await spawnRole({
    script: SCRIPT,
    args: ['--teacher.host', '127.0.0.1', '--teacher.port', '0', '--teacher.metrics-port', '0', '--teacher.model', 'resnet18-cifar', '--teacher.width', '0.125',
      '--teacher.head-hidden', '8', '--teacher.embed-dim', '4', '--drain.delay-ms', '300', '--drain.grace-ms', '10000'],
  });
  after(() => role.child.kill('SIGKILL'));
  const address = `127.0.0.1:${role.info.port}`;
  const proto = loadProtos();
  const teacher = new proto.disco.v1.Teacher(address, grpc.credentials.createInsecure(), channelOptions()) as TeacherClient;
  const health = new proto.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as HealthClient;
  const check = () => new Promise<string>((resolve, reject) => health.Check({ service: '' }, { deadline: Date.now() + 3000 }, (e, r) => (e ? reject(e) : resolve(r!.status as string))));
  assert.equal(await check(), 'SERVING');

  const n = 3;
  const batch = { run: 'd', epoch: 0, step: 0 };
  const [view1, view2] = ([1, 2] as const).map((view) =>
    chunkViews({ batch, leaseId: '', view, batchSize: n, offset: 0, count: n, height: 8, width: 8, data: new Uint8Array(n * 8 * 8 * 3).fill(view * 50) }, 1 << 20)[0],
  );
  const rows: number[] = [];
  const call = teacher.Embed({ deadline: Date.now() + 20_000 });
  const finished = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('data', (c: EmbeddingChunk__Output) => rows.push(c.shape[0]));
  call.on('error', () => undefined);
  call.write(view1);
  await new Promise((r) => setTimeout(r, 200));

  role.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await check(), 'NOT_SERVING', 'health flips before the drain');
  call.write(view2);
  call.end();
  assert.equal((await finished).code, grpc.status.OK);
  assert.deepEqual(rows, [n, n]);
  assert.deepEqual(await role.exited, { code: 0, signal: null });
  teacher.close();
  health.close();
});
