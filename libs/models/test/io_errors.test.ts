/**
 * The loaders refuse bad input with typed errors that name the file and the problem: corrupt
 * and truncated files of each format, wrong-shape tensors, missing and unknown keys, integer
 * weights. A refused import leaves the model untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@disco/tensor';
import {
  CheckpointKeyError,
  WeightFileError,
  createBackbone,
  exportModule,
  importCheckpoint,
  loadWeights,
  openWeights,
  readSafetensors,
  writeSafetensors,
  type RawTensor,
} from '@disco/models';
import { unpickle } from '../src/io/pickle.ts';

await initBackend();

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const ARCH = { arch: 'resnet18-cifar', width: 4 / 64 };
const dir = mkdtempSync(join(tmpdir(), 'disco-io-errors-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A copy of fixture `source` with its bytes edited, as `dir/name`. */
function variant(source: string, name: string, edit: (bytes: Buffer) => Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, edit(readFileSync(`${FIXTURES}${source}`)));
  return path;
}

function fileError(path: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof WeightFileError, `expected WeightFileError, got ${err}`);
    assert.equal(err.file, path);
    assert.ok(err.message.startsWith(path), 'the message names the file');
    assert.match(err.message, pattern);
    return true;
  };
}

function importBackbone(path: string) {
  return importCheckpoint(path, { ...ARCH, target: 'backbone' });
}

test('a truncated .pth is refused: no zip directory', () => {
  const path = variant('resnet18-cifar.pth', 'cut-resnet18-cifar.pth', (b) => b.subarray(0, Math.floor(b.length * 0.6)));
  assert.throws(() => importBackbone(path), fileError(path, /end-of-central-directory.*truncated/));
});

test('a flipped byte in a .pth tensor is caught by the CRC and names the tensor', () => {
  const conv1 = readSafetensors(`${FIXTURES}resnet18-cifar.safetensors`).tensors.get('conv1.weight')!.data;
  const path = variant('resnet18-cifar.pth', 'crc-resnet18-cifar.pth', (b) => {
    const at = b.indexOf(Buffer.from(conv1));
    assert.ok(at > 0, 'conv1.weight bytes found in the zip');
    b[at + 5] ^= 0x40;
    return b;
  });
  const before = tf.memory().numTensors;
  assert.throws(() => importBackbone(path), fileError(path, /tensor 'module\.encoder_q\.conv1\.weight'.*corrupt: CRC-32/));
  assert.equal(tf.memory().numTensors, before, 'the half-built model was disposed');
});

test('a flipped byte in the pickle is caught by the CRC of data.pkl', () => {
  const path = variant('resnet18-cifar.pth', 'pkl-resnet18-cifar.pth', (b) => {
    const at = b.indexOf('module.encoder_q.layer2.0.conv1.weight');
    b[at] = 'X'.charCodeAt(0);
    return b;
  });
  assert.throws(() => openWeights(path), fileError(path, /data\.pkl' is corrupt: CRC-32/));
});

test('a truncated or malformed pickle is refused with the byte offset', () => {
  const hooks = { persistentLoad: () => null, call: () => undefined };
  const good = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x4b, 0x05, 0x73, 0x2e]); // {'a': 5}
  assert.deepEqual(unpickle(good, 'p', hooks), new Map([['a', 5]]));
  assert.throws(() => unpickle(good.subarray(0, 9), 'p', hooks), /p: corrupt pickle at byte \d+: .*truncated/);
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x02, 0xff]), 'p', hooks), /unsupported pickle opcode 0xff/);
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x02, 0x68, 0x07]), 'p', hooks), /memo key 7 was never stored/);
});

test('a truncated .safetensors is refused naming the tensor that does not fit', () => {
  const path = variant('resnet18-cifar.safetensors', 'cut-resnet18-cifar.safetensors', (b) => b.subarray(0, b.length - 100));
  assert.throws(() => importBackbone(path), fileError(path, /truncated or corrupt: tensor '[^']+' ends at data byte \d+ but the file holds only \d+/));
});

test('a .safetensors with a corrupt header is refused', () => {
  const path = variant('resnet18-cifar.safetensors', 'hdr-resnet18-cifar.safetensors', (b) => {
    b[12] = 0x00;
    return b;
  });
  assert.throws(() => importBackbone(path), fileError(path, /not a valid safetensors file: header is not JSON/));
  const tiny = join(dir, 'tiny.safetensors');
  writeFileSync(tiny, Buffer.from([1, 2, 3]));
  assert.throws(() => openWeights(tiny), fileError(tiny, /too short/));
});

test('a file of no known format is refused as unrecognised', () => {
  const path = join(dir, 'noise.bin');
  writeFileSync(path, Buffer.from('this is not a checkpoint at all, just text\n'.repeat(10)));
  assert.throws(() => openWeights(path), fileError(path, /unrecognised weight file/));
  assert.throws(() => openWeights(join(dir, 'absent.pth')), /cannot open/);
});

/** The torchvision-style fixture, edited, written as a new safetensors file. */
function editedState(name: string, edit: (t: Map<string, RawTensor>) => void): string {
  const { tensors } = readSafetensors(`${FIXTURES}resnet18-cifar.safetensors`);
  edit(tensors);
  const path = join(dir, name);
  writeSafetensors(path, tensors);
  return path;
}

function keyError(path: string, check: (e: CheckpointKeyError) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof CheckpointKeyError, `expected CheckpointKeyError, got ${err}`);
    assert.equal(err.file, path);
    check(err);
    return true;
  };
}

test('a wrong-shape tensor is refused with both shapes, and the model keeps its weights', () => {
  const path = editedState('shape.safetensors', (t) => {
    const w = t.get('conv1.weight')!;
    t.set('conv1.weight', { ...w, shape: [w.shape[1], w.shape[0], w.shape[2], w.shape[3]] });
  });
  const net = createBackbone(ARCH.arch, { width: ARCH.width, seed: 3 });
  const before = Array.from(net.namedTensors()[0].variable.dataSync());
  assert.throws(
    () => loadWeights(net, path, { target: 'backbone' }),
    keyError(path, (e) => {
      assert.deepEqual(e.shapeMismatches, [{ key: 'conv1.weight', target: 'conv1.weight', found: [3, 4, 3, 3], expected: [4, 3, 3, 3] }]);
      assert.deepEqual([e.missing, e.unknown], [[], []]);
      assert.match(e.message, /conv1\.weight \(→ conv1\.weight\): shape \[3,4,3,3\] in the file, the model needs \[4,3,3,3\]/);
    }),
  );
  assert.deepEqual(Array.from(net.namedTensors()[0].variable.dataSync()), before);
  net.dispose();
});

test('a checkpoint of another width is refused in a few lines: ten keys of each kind, the count, and the likely cause', async () => {
  const path = join(dir, 'wide.safetensors');
  const wide = createBackbone(ARCH.arch, { width: ARCH.width * 2, seed: 3 });
  await exportModule(wide, path, 'safetensors');
  wide.dispose();
  const net = createBackbone(ARCH.arch, { width: ARCH.width, seed: 3 });
  assert.throws(
    () => loadWeights(net, path, { target: 'backbone' }),
    keyError(path, (e) => {
      assert.ok(e.shapeMismatches.length > 10, `${e.shapeMismatches.length} mismatches`);
      assert.match(e.message, new RegExp(`shapes that differ \\(${e.shapeMismatches.length}\\): .*… and ${e.shapeMismatches.length - 10} more`));
      assert.match(e.message, /is the width right/);
      assert.ok(e.message.length < 2500, `a message of ${e.message.length} characters`);
    }),
  );
  net.dispose();
});

test('missing and unknown keys are listed together, by name', () => {
  const path = editedState('keys.safetensors', (t) => {
    t.delete('layer1.0.bn1.running_var');
    t.set('layer9.0.conv1.weight', t.get('conv1.weight')!);
  });
  assert.throws(
    () => importCheckpoint(path, { ...ARCH, target: 'encoder' }),
    keyError(path, (e) => {
      assert.deepEqual(e.missing, ['backbone.layer1.0.bn1.running_var']);
      assert.deepEqual(e.unknown, ['layer9.0.conv1.weight (→ backbone.layer9.0.conv1.weight, not in the model)']);
      assert.match(e.message, /missing keys \(1\): backbone\.layer1\.0\.bn1\.running_var/);
      assert.match(e.message, /unknown keys \(1\): layer9\.0\.conv1\.weight/);
    }),
  );
});

test('MoCo-v2 keys outside every rule are unknown, not silently skipped', () => {
  const path = editedState('moco.safetensors', (t) => {
    for (const [k, v] of [...t]) {
      t.delete(k);
      t.set(`module.encoder_q.${k}`, v);
    }
    t.set('module.predictor.weight', t.get('module.encoder_q.fc.2.bias')!);
    t.set('module.encoder_q.layer5.weight', t.get('module.encoder_q.fc.2.bias')!);
  });
  assert.throws(
    () => importCheckpoint(path, { ...ARCH, target: 'encoder' }),
    keyError(path, (e) => {
      assert.deepEqual(e.unknown, ['module.predictor.weight', 'module.encoder_q.layer5.weight (→ backbone.layer5.weight, not in the model)']);
      assert.deepEqual(e.missing, []);
    }),
  );
});

test('integer weights are refused; a checkpoint without a head cannot be an encoder', () => {
  const ints = editedState('ints.safetensors', (t) => {
    const b = t.get('bn1.bias')!;
    t.set('bn1.bias', { dtype: 'I32', shape: b.shape, data: new Uint8Array(b.data.byteLength) });
  });
  assert.throws(() => importBackbone(ints), fileError(ints, /tensor 'bn1\.bias' has dtype I32; model weights must be F32/));
  const headless = editedState('headless.safetensors', (t) => {
    for (const k of [...t.keys()]) if (k.startsWith('fc.')) t.delete(k);
  });
  assert.throws(() => importCheckpoint(headless, { ...ARCH, target: 'encoder' }), fileError(headless, /no MLP projection head.*target 'backbone'/));
});

test('a truncated legacy (< 1.6) checkpoint is refused', () => {
  const path = variant('resnet18.legacy.pth', 'cut-resnet18.legacy.pth', (b) => b.subarray(0, Math.floor(b.length * 0.6)));
  assert.throws(() => importCheckpoint(path, { arch: 'resnet18', width: 4 / 64, target: 'encoder' }), fileError(path, /truncated or corrupt/));
});
