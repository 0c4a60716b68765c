/** Config and PRNG: frozen paper defaults, validation naming the field, Philox known answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AugmentConfigError, CounterRng, MOCO_V2_AUGMENT, augmentParams, decodeLimits, viewRng } from '@disco/augment';
import { philox4x32 } from '../src/philox.ts';

test("MOCO_V2_AUGMENT holds the paper's values and is frozen", () => {
  assert.deepEqual(MOCO_V2_AUGMENT, {
    cropScale: [0.2, 1], cropRatio: [3 / 4, 4 / 3], cropAttempts: 10, jitterP: 0.8, brightness: 0.4, contrast: 0.4,
    saturation: 0.4, hue: 0.1, grayscaleP: 0.2, blurP: 0.5, blurSigma: [0.1, 2], flipP: 0.5,
  });
  assert.ok(Object.isFrozen(MOCO_V2_AUGMENT) && Object.isFrozen(MOCO_V2_AUGMENT.cropScale));
  assert.throws(() => ((MOCO_V2_AUGMENT as { hue: number }).hue = 0.3), TypeError);
});

test('overrides are validated; errors name the field', () => {
  const p = augmentParams({ hue: 0.2, blurP: 0 });
  assert.equal(p.hue, 0.2);
  assert.ok(Object.isFrozen(p));
  const bad: [object, RegExp][] = [
    [{ hue: 0.7 }, /AugmentParams\.hue/], [{ jitterP: 1.5 }, /jitterP/], [{ cropScale: [0.9, 0.2] }, /cropScale/],
    [{ cropAttempts: 1.5 }, /cropAttempts/], [{ extra: 1 }, /AugmentParams/],
  ];
  for (const [o, why] of bad) assert.throws(() => augmentParams(o as never), (e: unknown) => e instanceof AugmentConfigError && why.test(e.message));
  assert.deepEqual(decodeLimits({ minSide: 1 }), { maxPixels: 40_000_000, minSide: 1 });
  assert.throws(() => decodeLimits({ maxPixels: 0 }), /maxPixels/);
});

test('Philox4x32-10 matches the Random123 known-answer vectors', () => {
  const out = new Uint32Array(4);
  const kat: [number[], number, number, number[]][] = [
    [[0, 0, 0, 0], 0, 0, [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0xffffffff, 0xffffffff, [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], 0xa4093822, 0x299f31d0, [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  for (const [ctr, k0, k1, want] of kat) {
    philox4x32(ctr, k0, k1, out);
    assert.deepEqual([...out], want);
  }
});

test('streams: values in range, reproducible, distinct per key and counter, seeds checked', () => {
  const a = viewRng(2 ** 53 - 1, 7, 123456, 1);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.deepEqual(Array.from({ length: 1000 }, ((r) => () => r.next())(viewRng(2 ** 53 - 1, 7, 123456, 1))), xs);
  const first = (r: CounterRng) => r.nextUint32();
  const variants = [viewRng(1, 0, 0, 0), viewRng(2, 0, 0, 0), viewRng(2 ** 32 + 1, 0, 0, 0), viewRng(1, 1, 0, 0), viewRng(1, 0, 1, 0), viewRng(1, 0, 0, 1), viewRng(1, 0, 0, 0, 1)];
  assert.equal(new Set(variants.map(first)).size, variants.length);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 4.4 * Math.sqrt(1 / 12 / 1000));
  for (const bad of [() => viewRng(-1, 0, 0, 0), () => viewRng(1.5, 0, 0, 0), () => viewRng(1, 2 ** 32, 0, 0), () => viewRng(1, 0, -1, 0), () => viewRng(1, 0, 0, 2)]) {
    assert.throws(bad, AugmentConfigError);
  }
});
