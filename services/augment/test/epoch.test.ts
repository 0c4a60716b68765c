/**
 * Two augment processes serve one epoch of a small dataset to a real gRPC client: every image of
 * the plan arrives exactly once (both views), bytes are identical to an in-process augmentation
 * of the same spec (determinism across processes), and both processes exit 0 on SIGTERM.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { augmentBatch, openIdxDir } from '@disco/augment';
import {
  DEFAULT_WIRE_LIMITS,
  ReplicaPool,
  decodeViewChunk,
  loadProtos,
  spawnRole,
  type AugmentClient,
  type BatchSpec,
  type HealthClient,
  type ViewChunk__Output,
} from '@disco/dataplane';
import { writeIdxDataset } from './idx_fixture.ts';

const SCRIPT = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const IMAGES = 30;
const BATCH = 4; // 7 full batches + one of 2
const SIZE = 12;
const RUN_SEED = 1234;

function augmentCall(client: AugmentClient, spec: BatchSpec): Promise<ViewChunk__Output[]> {
  return new Promise((resolve, reject) => {
    const out: ViewChunk__Output[] = [];
    const call = client.Augment(spec, { deadline: Date.now() + 30_000 });
    call.on('data', (c: ViewChunk__Output) => out.push(c));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

test('a full epoch from two augment processes: no duplicate, no missing image; SIGTERM exits 0', async () => {
  const fixture = writeIdxDataset(IMAGES, 16);
  after(() => fixture.remove());
  const args = ['--augment.host', '127.0.0.1', '--augment.port', '0', '--augment.metrics-port', '0', '--augment.dataset', fixture.dir, '--dataplane.chunk-bytes', '65536'];
  const roles = await Promise.all([spawnRole({ script: SCRIPT, args }), spawnRole({ script: SCRIPT, args })]);
  after(() => roles.forEach((r) => r.child.kill('SIGKILL')));
  assert.deepEqual(roles.map((r) => r.info.datasetSize), [IMAGES, IMAGES]);

  const proto = loadProtos();
  const pool = new ReplicaPool(proto.disco.v1.Augment, roles.map((r) => `127.0.0.1:${r.info.port}`));
  after(() => pool.close());

  // The epoch plan: a fixed permutation cut into batches.
  const order = Array.from({ length: IMAGES }, (_, i) => (i * 7 + 3) % IMAGES);
  const specs: BatchSpec[] = [];
  for (let step = 0; step * BATCH < IMAGES; step++) {
    specs.push({ id: { run: 'epoch-test', epoch: 2, step }, indices: order.slice(step * BATCH, (step + 1) * BATCH), runSeed: RUN_SEED, size: SIZE, datasetSize: IMAGES });
  }
  const results = await Promise.all(specs.map((spec) => augmentCall(pool.next(), spec)));

  const seen = new Map<number, number>();
  const viewsOf = new Map<string, Buffer[]>();
  results.forEach((chunks, step) => {
    const spec = specs[step];
    const n = spec.indices!.length;
    const views = [Buffer.alloc(n * SIZE * SIZE * 3), Buffer.alloc(n * SIZE * SIZE * 3)];
    const covered = [new Set<number>(), new Set<number>()];
    for (const raw of chunks) {
      const c = decodeViewChunk(raw, DEFAULT_WIRE_LIMITS);
      assert.equal(c.key, `epoch-test/2/${step}`);
      assert.equal(c.batchSize, n);
      for (let p = c.offset; p < c.offset + c.count; p++) {
        assert.ok(!covered[c.view - 1].has(p), `batch ${step} view ${c.view} position ${p} twice`);
        covered[c.view - 1].add(p);
      }
      c.data.copy(views[c.view - 1], c.offset * SIZE * SIZE * 3);
    }
    assert.equal(covered[0].size, n, `batch ${step} view 1 complete`);
    assert.equal(covered[1].size, n, `batch ${step} view 2 complete`);
    for (const index of spec.indices!) seen.set(index, (seen.get(index) ?? 0) + 1);
    viewsOf.set(String(step), views);
  });
  assert.equal(seen.size, IMAGES, 'every image of the dataset was served');
  assert.ok([...seen.values()].every((count) => count === 1), 'no image twice');

  // Same bytes as augmenting the spec here (another process, same sharp).
  const dataset = await openIdxDir(fixture.dir);
  for (const step of [0, specs.length - 1]) {
    const local = await augmentBatch(dataset, { runSeed: RUN_SEED, epoch: 2, indices: specs[step].indices!, size: SIZE });
    const [v1, v2] = viewsOf.get(String(step))!;
    assert.ok(v1.equals(Buffer.from(local.views1)), `batch ${step} view 1 bit-identical`);
    assert.ok(v2.equals(Buffer.from(local.views2)), `batch ${step} view 2 bit-identical`);
  }

  // Health, then graceful drain on SIGTERM.
  for (const role of roles) {
    const health = new proto.grpc.health.v1.Health(`127.0.0.1:${role.info.port}`, grpc.credentials.createInsecure()) as HealthClient;
    const reply = await new Promise<{ status: string }>((resolve, reject) =>
      health.Check({ service: 'disco.v1.Augment' }, { deadline: Date.now() + 5000 }, (err, r) => (err ? reject(err) : resolve(r as { status: string }))),
    );
    assert.equal(reply.status, 'SERVING');
    health.close();
    role.child.kill('SIGTERM');
  }
  const exits = await Promise.all(roles.map((r) => r.exited));
  assert.deepEqual(exits, [{ code: 0, signal: null }, { code: 0, signal: null }]);
});
