/**
 * The Augment service in-process on localhost:0: bad specs fail with exact codes naming the
 * field, Info reports the dataset, a cancelled call is survived, and /metrics shows the
 * augment series.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { discoConfigSchema, loadConfig } from '@disco/config';
import { channelOptions, listServicesByReflection, loadProtos, type AugmentClient, type BatchSpec, type ViewChunk__Output } from '@disco/dataplane';
import { start } from '../src/main.ts';
import { writeIdxDataset } from './idx_fixture.ts';

async function setup() {
  const fixture = writeIdxDataset(12, 16);
  const config = loadConfig(discoConfigSchema, {
    env: {},
    overrides: { augment: { host: '127.0.0.1', port: 0, metricsPort: 0, dataset: fixture.dir }, dataplane: { maxSide: 64, maxBatchSize: 8 } },
  });
  const handle = await start(config, () => undefined);
  const client = new (loadProtos().disco.v1.Augment)(`127.0.0.1:${handle.port}`, grpc.credentials.createInsecure(), channelOptions()) as AugmentClient;
  after(async () => {
    client.close();
    await handle.close();
    fixture.remove();
  });
  return { handle, client };
}

const call = (client: AugmentClient, spec: BatchSpec) =>
  new Promise<ViewChunk__Output[]>((resolve, reject) => {
    const out: ViewChunk__Output[] = [];
    client.Augment(spec, { deadline: Date.now() + 10_000 }).on('data', (c: ViewChunk__Output) => out.push(c)).on('error', reject).on('end', () => resolve(out));
  });

test('bad specs fail with exact codes naming the field; good ones stream both views', async () => {
  const { handle, client } = await setup();
  const good: BatchSpec = { id: { run: 's', epoch: 0, step: 0 }, indices: [3, 1, 4], runSeed: 5, size: 8, datasetSize: 12 };
  const chunks = await call(client, good);
  assert.deepEqual(chunks.map((c) => [c.view, c.offset, c.shape[0]]), [[1, 0, 3], [2, 0, 3]]);
  const cases: [Partial<BatchSpec>, grpc.status, RegExp][] = [
    [{ id: null }, grpc.status.INVALID_ARGUMENT, /^id: missing/],
    [{ indices: [] }, grpc.status.INVALID_ARGUMENT, /^indices: empty/],
    [{ indices: [1, 12] }, grpc.status.INVALID_ARGUMENT, /^indices\[1\]: 12 is past/],
    [{ indices: new Array(9).fill(0) }, grpc.status.RESOURCE_EXHAUSTED, /^indices: 9 exceeds/],
    [{ size: 65 }, grpc.status.RESOURCE_EXHAUSTED, /^size: 65 exceeds/],
    [{ datasetSize: 13 }, grpc.status.FAILED_PRECONDITION, /^dataset_size:/],
    [{ params: { cropScaleMin: 0.5, cropScaleMax: 0.1, cropRatioMin: 1, cropRatioMax: 1 } }, grpc.status.INVALID_ARGUMENT, /^params:/],
  ];
  for (const [change, code, details] of cases) {
    await assert.rejects(call(client, { ...good, ...change }), (e: grpc.ServiceError) => e.code === code && details.test(e.details), details.source);
  }
  const info = await new Promise<{ datasetSize: number }>((resolve, reject) => client.Info({}, { deadline: Date.now() + 3000 }, (e, r) => (e ? reject(e) : resolve(r!))));
  assert.equal(info.datasetSize, 12);

  // A client that cancels mid-call: the server carries on serving others.
  const cancelled = client.Augment({ ...good, indices: [0, 1, 2, 3, 4, 5, 6, 7] }, { deadline: Date.now() + 10_000 });
  cancelled.on('error', () => undefined);
  cancelled.cancel();
  assert.equal((await call(client, good)).length, 2);

  const body = await (await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`)).text();
  const images = Number(/^disco_augment_images_total\{service="augment"\} (\d+)$/m.exec(body)?.[1]);
  assert.ok(images >= 6, `images counted: ${images}`); // 3 + 3, plus whatever the cancelled call got done
  assert.match(body, /^disco_augment_op_seconds_count\{service="augment",op="read"\} \d+$/m);
  assert.match(body, /grpc_server_handled_total\{[^}]*grpc_method="Augment"[^}]*grpc_code="FailedPrecondition"[^}]*\} 1/);
  // Server reflection: grpcurl-style clients list the role's services without the .proto files.
  const services = await listServicesByReflection(`127.0.0.1:${handle.port}`);
  assert.deepEqual(services.sort(), ['disco.v1.Augment', 'grpc.health.v1.Health'], 'the services this role serves, no other');
});

test('a messy ImageFolder (a symbolic-link loop, a dangling link, a stray text file) starts and serves; what was skipped is logged and on /metrics', async () => {
  const { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const root = mkdtempSync(join(tmpdir(), 'disco-messy-'));
  for (const cls of ['a', 'b']) {
    mkdirSync(join(root, cls, 'sub'), { recursive: true });
    for (const i of [0, 1]) writeFileSync(join(root, cls, `${i}.png`), await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 40 * i, g: 90, b: 10 } } }).png().toBuffer());
  }
  symlinkSync('..', join(root, 'a', 'sub', 'loop')); // a/sub/loop → a
  symlinkSync(join(root, 'gone.png'), join(root, 'b', 'dangling.png'));
  writeFileSync(join(root, 'b', 'notes.txt'), 'not an image');
  const logged: string[] = [];
  const config = loadConfig(discoConfigSchema, { env: {}, overrides: { augment: { host: '127.0.0.1', port: 0, metricsPort: 0, dataset: root } } });
  const handle = await start(config, (l) => logged.push(l));
  after(async () => {
    await handle.close();
    rmSync(root, { recursive: true, force: true });
  });
  assert.equal(handle.datasetSize, 4);
  assert.ok(logged.some((l) => /dataset: image folder .*skipped 1 symlink-loop, 1 broken-link, 1 not-an-image/.test(l)), logged.join('\n'));
  const body = await (await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`)).text();
  for (const [reason, n] of [['symlink_loop', 1], ['broken_link', 1], ['not_an_image', 1], ['unreadable_folder', 0]] as const) {
    assert.match(body, new RegExp(`^disco_augment_dataset_skipped_entries\\{reason="${reason}",service="augment"\\} ${n}$`, "m"));
  }
});
