/** The renderer's invariants: sizes, flip, pixel ranges, arena reuse and growth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MOCO_V2_AUGMENT, renderViews, sampleViewParams, viewRng, type DecodedImage, type ViewParams } from '@disco/augment';
import { pattern } from './images.ts';

const image = (w: number, h: number, seed = 1): DecodedImage => ({ width: w, height: h, pixels: pattern(w, h, seed) });

function mirror(px: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out.set(px.subarray((y * size + x) * 3, (y * size + x) * 3 + 3), (y * size + size - 1 - x) * 3);
  return out;
}

test('every output size works, including odd and tiny ones, from any crop', () => {
  const img = image(97, 61);
  for (const size of [1, 2, 3, 5, 7, 16, 31, 32, 33, 64, 224, 301]) {
    for (let i = 0; i < 6; i++) {
      const [a, b] = renderViews(img, [0, 1].map((v) => sampleViewParams(viewRng(5, 0, i, v), img.width, img.height, MOCO_V2_AUGMENT)), size);
      assert.equal(a.length, size * size * 3);
      assert.equal(b.length, size * size * 3);
    }
  }
  const thin: ViewParams = { crop: { x: 10, y: 0, width: 1, height: 61 }, jitter: null, grayscale: false, blurSigma: 2, flip: true };
  const [t] = renderViews(img, [thin], 9);
  for (let y = 0; y < 9; y++) assert.deepEqual(t.subarray(y * 27, y * 27 + 3), t.subarray(y * 27 + 24, y * 27 + 27), 'a 1-pixel-wide crop stretches to constant rows');
});

test('flip mirrors the unflipped view exactly (no contrast: the mean sum order is the only difference)', () => {
  const img = image(120, 90);
  for (let i = 0; i < 40; i++) {
    const p = sampleViewParams(viewRng(8, 1, i, 0), img.width, img.height, MOCO_V2_AUGMENT);
    const noContrast = p.jitter ? { ...p.jitter, order: p.jitter.order.filter((o) => o !== 'contrast') } : null;
    const base = { ...p, jitter: noContrast, flip: false };
    const [plain, flipped] = renderViews(img, [base, { ...base, flip: true }], 37);
    assert.deepEqual(flipped, mirror(plain, 37), `draw ${i}`);
  }
});

test('greyscale views have equal channels; jitter and blur change pixels; values stay in range', () => {
  const img = image(80, 80);
  const base: ViewParams = { crop: { x: 0, y: 0, width: 80, height: 80 }, jitter: null, grayscale: false, blurSigma: null, flip: false };
  const [plain, grey, jittered, blurred] = renderViews(img, [
    base,
    { ...base, grayscale: true },
    { ...base, jitter: { order: ['hue', 'brightness'], brightness: 1.3, contrast: 1, saturation: 1, hue: 0.2 } },
    { ...base, blurSigma: 1.5 },
  ], 40);
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i] === grey[i + 2]);
  assert.notDeepEqual(jittered, plain);
  assert.notDeepEqual(blurred, plain);
  const [tiny] = renderViews(img, [{ ...base, blurSigma: 0.1 }], 40); // sigma 0.1: weights round to identity
  assert.deepEqual(tiny, plain);
});

test('the kernel memory is reused across calls and grows for large images', () => {
  const small = image(50, 40);
  const p: ViewParams = { crop: { x: 3, y: 4, width: 40, height: 30 }, jitter: { order: ['contrast', 'saturation'], brightness: 1, contrast: 1.2, saturation: 0.7, hue: 0 }, grayscale: false, blurSigma: 1, flip: false };
  const [first] = renderViews(small, [p], 32);
  const big = image(3000, 2000, 3);
  const [bigView] = renderViews(big, [{ ...p, crop: { x: 0, y: 0, width: 3000, height: 2000 } }], 512);
  assert.equal(bigView.length, 512 * 512 * 3);
  const [again] = renderViews(small, [p], 32);
  assert.deepEqual(again, first);
  const into = new Uint8Array(32 * 32 * 3);
  const [same] = renderViews(small, [p], 32, [into]);
  assert.equal(same, into);
  assert.deepEqual(into, first);
});
