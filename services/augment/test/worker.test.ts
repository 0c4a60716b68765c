/**
 * The worker loop end to end on loopback: a coordinator (libs/dataplane's, as the trainer will
 * serve it), two teacher and two augment worker processes. Batches come out in plan order with
 * views and the teacher's embeddings of exactly those views; SIGKILL of one worker mid-epoch
 * only re-leases its batches, SIGKILL of one of two teachers only sends calls to the other; the
 * surviving worker drains and exits 0 on SIGTERM.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import { createEncoder } from '@disco/models';
import { toModelInput } from '@disco/models';
import { DEFAULT_WIRE_LIMITS, DataplaneCoordinator, RoleServer, batchKey, loadProtos, spawnRole, type PlanSpec, type PlannedBatch } from '@disco/dataplane';
import { writeIdxDataset } from './idx_fixture.ts';

const SCRIPT = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Started by path as its own process, as `disco train` does (services never import each other).
const TEACHER_SCRIPT = fileURLToPath(new URL('../../teacher/src/main.ts', import.meta.url));
const TEACHER = { model: 'resnet18-cifar', width: 0.125, headHidden: 16, embedDim: 8, seed: 5 };
const IMAGES = 64;
const BATCH = 4;
const SIZE = 12;

test('workers lease, augment, embed and deliver every batch once, in plan order, surviving SIGKILLs', async () => {
  const fixture = writeIdxDataset(IMAGES, 16);
  after(() => fixture.remove());

  const teacherArgs = ['--teacher.host', '127.0.0.1', '--teacher.port', '0', '--teacher.metrics-port', '0', '--teacher.model', TEACHER.model,
    '--teacher.width', String(TEACHER.width), '--teacher.head-hidden', String(TEACHER.headHidden), '--teacher.embed-dim', String(TEACHER.embedDim), '--teacher.seed', String(TEACHER.seed)];
  const teachers = await Promise.all([spawnRole({ script: TEACHER_SCRIPT, args: teacherArgs }), spawnRole({ script: TEACHER_SCRIPT, args: teacherArgs })]);
  after(() => teachers.forEach((t) => t.child.kill('SIGKILL')));
  // The same encoder here, on the same backend: the reference for the embeddings.
  await initBackend();
  const reference = createEncoder(TEACHER.model, { width: TEACHER.width, headHidden: TEACHER.headHidden, embedDim: TEACHER.embedDim, seed: TEACHER.seed });
  after(() => reference.dispose());
  const embed = (pixels: Buffer) =>
    tf.tidy(() => {
      const y = reference.forward(toModelInput(pixels, [BATCH, SIZE, SIZE, 3]), { bn: 'eval' }); // [N, 8]
      return tf.div(y, tf.norm(y, 2, 1, true)).dataSync(); // [N, 8]
    });

  const coordinator = new DataplaneCoordinator({ window: 3, leaseMs: 20_000, limits: DEFAULT_WIRE_LIMITS, maxPendingBytes: 64 << 20, datasetSize: IMAGES });
  const server = new RoleServer({ services: ['disco.v1.Coordinator'] });
  server.server.addService(loadProtos().disco.v1.Coordinator.service, coordinator.handlers);
  const port = await server.listen('127.0.0.1', 0);
  server.health.setAll('SERVING');
  after(() => {
    coordinator.close();
    server.close();
  });

  const order = Array.from({ length: IMAGES }, (_, i) => (i * 13 + 5) % IMAGES);
  const plan: PlannedBatch<PlanSpec>[] = [];
  for (let step = 0; step * BATCH < IMAGES; step++) {
    plan.push({ id: { run: 'w', epoch: 0, step }, spec: { indices: order.slice(step * BATCH, (step + 1) * BATCH), runSeed: 9, size: SIZE, datasetSize: IMAGES } });
  }
  coordinator.extend(plan);

  const args = [
    '--augment.host', '127.0.0.1', '--augment.port', '0', '--augment.metrics-port', '0', '--augment.dataset', fixture.dir,
    '--augment.trainer', `127.0.0.1:${port}`, '--augment.teachers', teachers.map((t) => `127.0.0.1:${t.info.port}`).join(','), '--augment.batches-in-flight', '2',
    '--dataplane.retry-backoff-ms', '100', '--drain.grace-ms', '5000',
  ];
  const workers = await Promise.all(['w0', 'w1'].map((id) => spawnRole({ script: SCRIPT, args: [...args, '--augment.worker-id', id] })));
  after(() => workers.forEach((w) => w.child.kill('SIGKILL')));

  // From step 2, kill w0 the moment the coordinator leases it a batch: SIGKILL lands before the
  // lease is even written to its stream, so w0 dies holding a lease it cannot have delivered
  // (a spy around the real window's acquire; the coordinator runs unchanged).
  let killArmed = false;
  let killed = false;
  const acquire = coordinator.window.acquire.bind(coordinator.window);
  coordinator.window.acquire = (workerId: string) => {
    const lease = acquire(workerId);
    if (lease && workerId === 'w0' && killArmed && !killed) {
      workers[0].child.kill('SIGKILL');
      killed = true;
    }
    return lease;
  };

  const seen: number[] = [];
  for (let step = 0; step < plan.length; step++) {
    const batch = await coordinator.next(AbortSignal.timeout(60_000));
    assert.equal(batch.key, batchKey(plan[step].id), 'plan order');
    assert.equal(batch.batchSize, BATCH);
    assert.equal(batch.height, SIZE);
    // The embeddings are the teacher's of exactly these views.
    for (const v of [0, 1] as const) {
      const want = embed(batch.views[v]);
      const diff = Math.max(...Array.from(want, (w, i) => Math.abs(w - batch.embeddings[v][i])));
      assert.ok(diff < 1e-5, `step ${step} view ${v + 1}: embeddings differ by ${diff}`);
    }
    seen.push(...(plan[step].spec.indices as number[]));
    coordinator.consumed(batch.key);
    if (step === 5) teachers[0].child.kill('SIGKILL'); // workers retry on the other replica
    if (step === 2) killArmed = true;
  }
  assert.ok(killed, 'w0 was killed while holding a lease');
  assert.equal(new Set(seen).size, IMAGES, 'every image trained once');
  assert.ok(coordinator.window.drained);
  assert.equal(coordinator.counters.accepted, plan.length);
  assert.ok(coordinator.window.stats().released >= 1, 'the killed worker\'s leases were handed out again');

  workers[1].child.kill('SIGTERM');
  assert.deepEqual(await workers[1].exited, { code: 0, signal: null });
});
