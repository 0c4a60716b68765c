/**
 * Checkpoints: every tensor and the metadata round-trip exactly; a torn or bit-flipped file is
 * detected by its checksum and the store falls back to the previous one; only the last K stay.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiscoState } from '@disco/disco';
import { CheckpointError, readCheckpoint, writeCheckpoint, type Checkpoint } from '../src/checkpoint/checkpoint_file.ts';
import { CheckpointStore } from '../src/checkpoint/checkpoint_store.ts';
import { trainerConfigSchema } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'disco-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function checkpoint(globalStep: number): Checkpoint {
  const state: DiscoState = {
    tensors: new Map([
      ['student.conv1.weight', { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, NaN, globalStep]) }],
      ['queue', { dtype: 'float32' as const, shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }],
      ['counter', { dtype: 'int32' as const, shape: [1], data: Int32Array.from([globalStep]) }],
    ]),
    metadata: { format: 'disco.train-state', version: 1, mode: 'disco', step: globalStep, queuePtr: 0, rng: { algorithm: 'x', seed: 0, step: globalStep }, config: {} as never, layouts: {} },
  };
  return {
    meta: {
      format: 'disco.checkpoint', version: 1, position: { epoch: 0, step: globalStep, globalStep }, config: trainerConfigSchema.parse({}),
      datasetSize: 10, images: 10, stepsPerEpoch: 5, state: state.metadata, time: 1,
    },
    state,
  };
}

test('a checkpoint round-trips every tensor bit for bit, and its metadata', () => {
  const path = join(dir, 'one.safetensors');
  const written = checkpoint(3);
  writeCheckpoint(path, written);
  const read = readCheckpoint(path);
  assert.deepEqual(read.meta, written.meta);
  for (const [name, t] of written.state.tensors) {
    const r = read.state.tensors.get(name)!;
    assert.equal(r.dtype, t.dtype);
    assert.deepEqual(r.shape, t.shape);
    assert.deepEqual(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength), Buffer.from(t.data.buffer), name);
  }
});

test('torn and bit-flipped files are detected; the store uses the newest valid one and keeps the last K', () => {
  const store = new CheckpointStore(join(dir, 'store'), { keep: 3, log: () => undefined });
  for (const step of [2, 4, 6, 8]) store.save(checkpoint(step));
  assert.deepEqual(store.list().map((p) => p.slice(-27)), ['step-0000000008.safetensors', 'step-0000000006.safetensors', 'step-0000000004.safetensors']);

  const [newest, second] = store.list();
  const bytes = readFileSync(newest);
  bytes[bytes.length - 3] ^= 0x01; // one bit inside the tensor data
  writeFileSync(newest, bytes);
  assert.throws(() => readCheckpoint(newest), (e: Error) => e instanceof CheckpointError && /checksum mismatch/.test(e.message));
  const skipped: string[] = [];
  const fallback = new CheckpointStore(store.dir, { keep: 3, log: (l) => skipped.push(l) });
  assert.equal(fallback.latest()!.checkpoint.meta.position.globalStep, 6);
  assert.match(skipped[0], /step-0000000008.*checksum mismatch/);

  truncateSync(second, statSync(second).size - 10); // torn write
  assert.throws(() => readCheckpoint(second), CheckpointError);
  assert.equal(fallback.latest()!.checkpoint.meta.position.globalStep, 4);
});

test('leftover temporary files of an interrupted write are removed; a file that is not ours is refused', () => {
  const d = join(dir, 'tmp');
  const store = new CheckpointStore(d, { keep: 2 });
  writeFileSync(join(d, 'step-0000000001.safetensors.tmp-1-2'), 'partial');
  new CheckpointStore(d, { keep: 2 });
  assert.deepEqual(readdirSync(d), []);
  writeFileSync(store.pathFor(5), 'not a checkpoint');
  assert.equal(store.latest(), undefined);
});
