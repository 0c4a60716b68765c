/**
 * Part 5 of the augmentation issue: every random op follows its spec. Parameters are sampled
 * without pixels (sampleViewParams), so thousands of draws take milliseconds. Seeds are fixed:
 * each bound below is wide enough that a correct sampler fails it with p ~ 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COLOR_OPS, MOCO_V2_AUGMENT, centreCrop, sampleViewParams, viewRng, type ViewParams } from '@disco/augment';
import { assertBinomial, assertChiSquare, histogram } from './stats.ts';

const N = 4000;
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/augment/reference.json', import.meta.url), 'utf8'));

function draws(width: number, height: number, n = N, seed = 11): ViewParams[] {
  return Array.from({ length: n }, (_, i) => sampleViewParams(viewRng(seed, 3, i, i & 1), width, height, MOCO_V2_AUGMENT));
}

test('crops lie inside the image, with area fraction and aspect ratio in range', () => {
  for (const [w, h] of [[500, 375], [300, 300], [100, 400], [37, 1000], [1, 1], [2, 9]]) {
    for (const { crop } of draws(w, h, 1000)) {
      assert.ok(crop.x >= 0 && crop.y >= 0 && crop.width >= 1 && crop.height >= 1, JSON.stringify(crop));
      assert.ok(crop.x + crop.width <= w && crop.y + crop.height <= h, `${JSON.stringify(crop)} in ${w}x${h}`);
    }
  }
  for (const { crop } of draws(500, 375)) {
    // sides are rounded to integers: allow half a pixel on each side
    const lo = ((Math.sqrt(0.2 * 500 * 375) - 0.75) ** 2) / (500 * 375);
    assert.ok((crop.width * crop.height) / (500 * 375) >= lo, JSON.stringify(crop));
    const r = crop.width / crop.height;
    assert.ok(r >= 0.74 && r <= 1.35, `aspect ${r}`);
  }
});

test("crop area fraction and aspect ratio follow torchvision's RandomResizedCrop (chi-square vs 100k torchvision draws)", () => {
  for (const s of ref.crop_stats) {
    const crops = draws(s.width, s.height).map((v) => v.crop);
    const area = crops.map((c) => (c.width * c.height) / (s.width * s.height));
    const logRatio = crops.map((c) => Math.log(c.width / c.height));
    assertChiSquare(histogram(area, s.area_edges), s.area_p, `${s.width}x${s.height} area fraction`);
    assertChiSquare(histogram(logRatio, s.log_ratio_edges), s.log_ratio_p, `${s.width}x${s.height} log aspect ratio`);
  }
});

test('crop positions are uniform over the free range', () => {
  const crops = draws(500, 375).map((v) => v.crop).filter((c) => c.width < 400);
  const u = crops.map((c) => c.x / (500 - c.width + 1));
  assertChiSquare(histogram(u, [0, 0.2, 0.4, 0.6, 0.8, 1]), [0.2, 0.2, 0.2, 0.2, 0.2], 'x position');
});

test("the fallback is torchvision's centre crop clamped to the ratio range", () => {
  assert.deepEqual(centreCrop(1000, 50, 3 / 4, 4 / 3), { x: 466, y: 0, width: 67, height: 50 });
  assert.deepEqual(centreCrop(50, 1000, 3 / 4, 4 / 3), { x: 0, y: 466, width: 50, height: 67 });
  assert.deepEqual(centreCrop(400, 300, 3 / 4, 4 / 3), { x: 0, y: 0, width: 400, height: 300 });
  // a 37x1000 strip never fits a 10-try crop of ratio >= 3/4 and area >= 0.2: always the fallback
  for (const { crop } of draws(37, 1000, 200)) assert.deepEqual(crop, { x: 0, y: 475, width: 37, height: 49 });
});

test('each op is applied with its probability, independently', () => {
  const v = draws(500, 375);
  const count = (f: (p: ViewParams) => boolean) => v.filter(f).length;
  assertBinomial(count((p) => p.jitter !== null), N, 0.8, 'ColorJitter p');
  assertBinomial(count((p) => p.grayscale), N, 0.2, 'RandomGrayscale p');
  assertBinomial(count((p) => p.blurSigma !== null), N, 0.5, 'GaussianBlur p');
  assertBinomial(count((p) => p.flip), N, 0.5, 'HorizontalFlip p');
  assertBinomial(count((p) => p.grayscale && p.flip), N, 0.1, 'greyscale and flip together');
  assertBinomial(count((p) => p.jitter !== null && p.blurSigma !== null), N, 0.4, 'jitter and blur together');
});

test('jitter factors are uniform in their ranges and the op order is a uniform permutation', () => {
  const jitters = draws(500, 375).flatMap((p) => (p.jitter ? [p.jitter] : []));
  const n = jitters.length;
  const ranges = { brightness: [0.6, 1.4], contrast: [0.6, 1.4], saturation: [0.6, 1.4], hue: [-0.1, 0.1] } as const;
  for (const op of COLOR_OPS) {
    const [lo, hi] = ranges[op];
    const values = jitters.map((j) => j[op]);
    assert.ok(values.every((x) => x >= lo && x < hi), `${op} outside [${lo}, ${hi})`);
    const edges = Array.from({ length: 9 }, (_, i) => lo + ((hi - lo) * i) / 8);
    edges[8] = hi;
    assertChiSquare(histogram(values, edges), new Array(8).fill(1 / 8), `${op} factor`);
  }
  for (const op of COLOR_OPS) {
    const positions = [0, 0, 0, 0];
    for (const j of jitters) positions[j.order.indexOf(op)]++;
    assertChiSquare(positions, [0.25, 0.25, 0.25, 0.25], `position of ${op}`);
  }
  const perms = new Map<string, number>();
  for (const j of jitters) perms.set(j.order.join(), (perms.get(j.order.join()) ?? 0) + 1);
  assert.equal(perms.size, 24);
  assertChiSquare([...perms.values()], new Array(24).fill(1 / 24), 'order permutation');
  assert.ok(n > 3000);
});

test('blur sigma is uniform in [0.1, 2]', () => {
  const sigmas = draws(500, 375).flatMap((p) => (p.blurSigma === null ? [] : [p.blurSigma]));
  assert.ok(sigmas.every((s) => s >= 0.1 && s < 2));
  const edges = Array.from({ length: 9 }, (_, i) => 0.1 + (1.9 * i) / 8);
  edges[8] = 2;
  assertChiSquare(histogram(sigmas, edges), new Array(8).fill(1 / 8), 'blur sigma');
});

test('an op with strength 0 is never applied', () => {
  const params = { ...MOCO_V2_AUGMENT, hue: 0, contrast: 0, jitterP: 1 };
  for (let i = 0; i < 200; i++) {
    const j = sampleViewParams(viewRng(1, 0, i, 0), 64, 64, params).jitter!;
    assert.deepEqual([...j.order].sort(), ['brightness', 'saturation']);
    assert.equal(j.hue, 0);
    assert.equal(j.contrast, 1);
  }
});
