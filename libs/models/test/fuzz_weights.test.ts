/**
 * A seeded fuzz pass over the weight readers (fast-check): truncated, bit-flipped, overwritten
 * and random versions of each format's small fixture (safetensors, PyTorch zip stored and
 * deflated, legacy PyTorch, tfjs) and random pickles are opened and every tensor read. The only
 * failure allowed is a WeightFileError naming the file — never a raw RangeError/TypeError, never
 * a hang. Also: tfjs manifests whose weight paths leave the model folder (`../../etc/passwd`,
 * absolute paths, devices behind symlinks) are refused, and a deflate bomb is not inflated.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { DTYPE_BYTES, WeightFileError, openWeights, readSafetensors, writeTfjsWeights, type RawTensor } from '@disco/models';
import { unpickle } from '../src/io/pickle.ts';
import { torchHooks, torchWeightFile } from '../src/io/torch_pickle.ts';
import { ZipReader, crc32 } from '../src/io/zip_reader.ts';
import { ByteSource } from '../src/io/byte_source.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'disco-fuzz-weights-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RUNS = 150;

/** Opens `path` and reads every tensor; returns how many were read. */
function readAll(path: string): number {
  const file = openWeights(path);
  try {
    let n = 0;
    for (const entry of file.tensors.values()) {
      entry.read();
      n++;
    }
    return n;
  } finally {
    file.close();
  }
}

/** Runs `fn`; anything thrown must be a WeightFileError naming `path`. */
function onlyWeightFileErrors(path: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof WeightFileError)) throw new Error(`${path}: expected WeightFileError, got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    assert.ok(err.message.includes(err.file), 'the message names the file');
  }
}

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; bits: [number, number][] } | { kind: 'overwrite'; at: number; bytes: Uint8Array } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'random'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 2048 }) }),
);

function mutate(original: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(original);
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, m.at % b.length);
    case 'flip':
      for (const [pos, bit] of m.bits) b[pos % b.length] ^= 1 << bit;
      return b;
    case 'overwrite':
      b.set(m.bytes.subarray(0, b.length - (m.at % b.length)), m.at % b.length);
      return b;
    case 'insert':
      return Buffer.concat([b.subarray(0, m.at % b.length), m.bytes, b.subarray(m.at % b.length)]);
    case 'random':
      return Buffer.from(m.bytes);
  }
}

/** The io_cases tensors tfjs can hold (9 of 14), as a tfjs folder. */
function tfjsFixture(): string {
  const out = join(dir, 'tfjs-good');
  if (existsSync(out)) return out;
  mkdirSync(out);
  const { tensors } = readSafetensors(`${FIXTURES}io_cases.safetensors`);
  writeTfjsWeights(out, new Map([...tensors].filter(([, t]) => ['F32', 'I32', 'BOOL'].includes(t.dtype)) as [string, RawTensor][]));
  return out;
}

const FORMATS: [string, string, number][] = [
  ['safetensors', 'io_cases.safetensors', 1],
  ['PyTorch zip', 'io_cases.pth', 2],
  ['PyTorch zip, deflated', 'io_cases.deflate.pth', 3],
  ['legacy PyTorch', 'io_cases.legacy.pth', 4],
];

for (const [format, fixture, seed] of FORMATS) {
  test(`${format}: truncated, bit-flipped, overwritten and random files fail only with WeightFileError`, { timeout: 60_000 }, () => {
    const original = readFileSync(`${FIXTURES}${fixture}`);
    assert.equal(readAll(`${FIXTURES}${fixture}`), 14, 'the fixture itself reads');
    const ext = fixture.slice(fixture.indexOf('.'));
    let i = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        const path = join(dir, `${seed}-${i++}${ext}`);
        writeFileSync(path, mutate(original, m));
        onlyWeightFileErrors(path, () => readAll(path));
        rmSync(path);
      }),
      { seed, numRuns: RUNS },
    );
  });
}

test('tfjs: corrupt model.json and .bin files fail only with WeightFileError', { timeout: 60_000 }, () => {
  const good = tfjsFixture();
  assert.equal(readAll(good), 9);
  const json = readFileSync(join(good, 'model.json'));
  const bin = readFileSync(join(good, 'group1-shard1of1.bin'));
  let i = 0;
  fc.assert(
    fc.property(fc.boolean(), mutation, (mutateJson, m) => {
      const out = join(dir, `tfjs-${i++}`);
      mkdirSync(out);
      writeFileSync(join(out, 'model.json'), mutateJson ? mutate(json, m) : json);
      writeFileSync(join(out, 'group1-shard1of1.bin'), mutateJson ? bin : mutate(bin, m));
      onlyWeightFileErrors(out, () => readAll(out));
      rmSync(out, { recursive: true });
    }),
    { seed: 5, numRuns: RUNS },
  );
});

test('PyTorch pickles, mutated past the CRC: only WeightFileError from unpickling to reading every tensor', { timeout: 60_000 }, () => {
  // The state-dict pickle of the zip fixture (tensors, strided views, shared storages, memo
  // ops), mutated after the zip's CRC check, then mapped to tensors whose storages are read.
  const src = ByteSource.open(`${FIXTURES}io_cases.pth`);
  const zip = new ZipReader(src);
  const name = [...zip.entries.keys()].find((n) => n.endsWith('/data.pkl'))!;
  const prefix = name.slice(0, -'data.pkl'.length);
  const good = Buffer.from(zip.read(name));
  const storages = new Map([...zip.entries.keys()].filter((n) => n.startsWith(`${prefix}data/`)).map((n) => [n, zip.read(n)]));
  src.close();
  const open = (bytes: Uint8Array) => {
    const root = unpickle(bytes, 'fuzz.pkl', torchHooks('fuzz.pkl'));
    const file = torchWeightFile('fuzz.pkl', 'torch-zip', root, (s) => {
      const bytes = storages.get(`${prefix}data/${s.key}`);
      // As openTorchCheckpoint checks it: the storage's size must match the pickle's count.
      if (!bytes || bytes.byteLength !== s.rootNumel * DTYPE_BYTES[s.dtype]) throw new WeightFileError('fuzz.pkl', `storage '${s.key}' does not match`);
      return bytes;
    }, () => undefined);
    for (const entry of file.tensors.values()) entry.read();
    return file.tensors.size;
  };
  assert.equal(open(good), 14, 'the seed pickle reads');
  fc.assert(
    fc.property(mutation, (m) => onlyWeightFileErrors('fuzz.pkl', () => open(mutate(good, m)))),
    { seed: 6, numRuns: 4 * RUNS },
  );
  // Found by this fuzz (fixed): a LONG opcode with a non-numeric line threw SyntaxError, and a
  // storage id holding a big int threw TypeError while its error message was being written.
  const long = Buffer.from('L12x\n.', 'latin1');
  assert.throws(() => unpickle(long, 'fuzz.pkl', torchHooks('fuzz.pkl')), (e: unknown) => e instanceof WeightFileError && /LONG '12x' is not an integer/.test(e.message));
  const str = (text: string) => Buffer.concat([Buffer.from([0x58, text.length, 0, 0, 0]), Buffer.from(text)]); // BINUNICODE
  const bigCount = Buffer.concat([Buffer.from('('), str('storage'), Buffer.from('ctorch\nFloatStorage\n'), str('0'), str('cpu'), Buffer.from('L99999999999999999999\ntQ.')]);
  assert.throws(() => unpickle(bigCount, 'fuzz.pkl', torchHooks('fuzz.pkl')), (e: unknown) => e instanceof WeightFileError && /invalid storage id \["0","99999999999999999999"\]/.test(e.message));
});

test('tfjs weight paths that leave the model folder are refused; paths inside it are read', () => {
  const good = tfjsFixture();
  const manifest = JSON.parse(readFileSync(join(good, 'model.json'), 'utf8'));
  const secret = join(dir, 'secret.bin');
  writeFileSync(secret, readFileSync(join(good, 'group1-shard1of1.bin')));
  const cases: [string, unknown, RegExp][] = [
    ['parent folders', '../../etc/passwd', /paths\[0\] '\.\.\/\.\.\/etc\/passwd' escapes the model folder/],
    ['a sibling file', '../secret.bin', /paths\[0\] '\.\.\/secret\.bin' escapes the model folder/],
    ['climbing out through a subfolder', 'sub/../../secret.bin', /escapes the model folder/],
    ['an absolute path', secret, /is not a relative path inside the model folder/],
    ['/etc/passwd', '/etc/passwd', /is not a relative path inside the model folder/],
    ['a NUL byte', 'group1\0.bin', /is not a relative path inside the model folder/],
    ['the folder itself', '.', /names the model folder itself/],
    ['not a string', 7, /is not a file name: 7/],
    ['an empty name', '', /is not a file name: ""/],
  ];
  for (const [name, p, message] of cases) {
    const model = join(dir, `escape-${cases.findIndex((c) => c[0] === name)}`);
    mkdirSync(model);
    writeFileSync(join(model, 'model.json'), JSON.stringify({ ...manifest, weightsManifest: [{ ...manifest.weightsManifest[0], paths: [p] }] }));
    assert.throws(() => openWeights(model), (e: unknown) => e instanceof WeightFileError && e.file === join(model, 'model.json') && message.test(e.message), name);
  }
  // A device behind a symlink inside the folder is not read (it would never end).
  const device = join(dir, 'escape-device');
  mkdirSync(device);
  symlinkSync('/dev/zero', join(device, 'zero.bin'));
  writeFileSync(join(device, 'model.json'), JSON.stringify({ ...manifest, weightsManifest: [{ ...manifest.weightsManifest[0], paths: ['zero.bin'] }] }));
  assert.throws(() => openWeights(device), (e: unknown) => e instanceof WeightFileError && /zero\.bin: cannot read weights file: not a regular file/.test(e.message));
  // A subfolder inside the model folder is fine.
  const nested = join(dir, 'nested');
  mkdirSync(join(nested, 'shards'), { recursive: true });
  writeFileSync(join(nested, 'shards', 'w.bin'), readFileSync(join(good, 'group1-shard1of1.bin')));
  writeFileSync(join(nested, 'model.json'), JSON.stringify({ ...manifest, weightsManifest: [{ ...manifest.weightsManifest[0], paths: ['shards/./w.bin'] }] }));
  assert.equal(readAll(nested), 9);
});

test('a deflate bomb in a PyTorch zip is not inflated past the size its directory declares', () => {
  // One deflated entry of 64 MiB of zeros (~64 KiB compressed) that the directory says is 16 bytes.
  const name = 'archive/data.pkl';
  const stored = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(stored.length, 18);
  local.writeUInt32LE(16, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(new Uint8Array(16)), 16);
  central.writeUInt32LE(stored.length, 20);
  central.writeUInt32LE(16, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = 30 + name.length + stored.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + name.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  const path = join(dir, 'bomb.pth');
  writeFileSync(path, Buffer.concat([local, Buffer.from(name), stored, central, Buffer.from(name), eocd]));
  const rss = process.memoryUsage().rss;
  assert.throws(() => openWeights(path), (e: unknown) => e instanceof WeightFileError && /zip entry 'archive\/data\.pkl' does not inflate/.test(e.message));
  assert.ok(process.memoryUsage().rss - rss < 32 * 1024 * 1024, 'the 64 MiB were never allocated');
});
