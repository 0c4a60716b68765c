/**
 * Each pixel stage against torchvision 0.14 + PIL (fixtures from
 * test/reference/augment_reference.py). Stages are isolated with hand-set ViewParams: a
 * full-image crop at the image's own size is an exact identity resize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderViews, type ColorOp, type DecodedImage, type ViewParams } from '@disco/augment';

const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/augment/reference.json', import.meta.url), 'utf8'));
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const image = (s: { width: number; height: number; src: string }): DecodedImage => ({ width: s.width, height: s.height, pixels: bytes(s.src) });
const plain = (img: DecodedImage): ViewParams => ({
  crop: { x: 0, y: 0, width: img.width, height: img.height }, jitter: null, grayscale: false, blurSigma: null, flip: false,
});

/** Largest and mean absolute difference, and the mean signed one (a bias). */
function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number; bias: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let sum = 0;
  let signed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    max = Math.max(max, Math.abs(d));
    sum += Math.abs(d);
    signed += d;
  }
  return { max, mean: sum / a.length, bias: signed / a.length };
}

test('a full-image crop at the image size is an exact identity', () => {
  const img = image(ref.colour);
  const [out] = renderViews(img, [plain(img)], img.width);
  assert.deepEqual(out, img.pixels);
});

// PIL rounds after its horizontal pass, we after our vertical one: values differ by 1 where
// the two roundings fall differently (about 1 in 5), with no bias either way.
test('crop + resize matches PIL BILINEAR (F.resized_crop) within 1 level, unbiased', () => {
  const img = image(ref.resize);
  for (const c of ref.resize.cases) {
    const [out] = renderViews(img, [{ ...plain(img), crop: c.crop }], c.size);
    const d = diff(out, bytes(c.out));
    const what = `crop ${JSON.stringify(c.crop)} -> ${c.size}: max ${d.max} mean ${d.mean.toFixed(3)} bias ${d.bias.toFixed(3)}`;
    assert.ok(d.max <= 1 && d.mean < 0.25 && Math.abs(d.bias) < 0.02, what);
  }
});

test('ColorJitter ops in any order and RandomGrayscale match torchvision tensor ops within 1 level', () => {
  const img = image(ref.colour);
  for (const c of ref.colour.cases) {
    const jitter = c.order.length ? { order: c.order as ColorOp[], brightness: c.brightness, contrast: c.contrast, saturation: c.saturation, hue: c.hue } : null;
    const [out] = renderViews(img, [{ ...plain(img), jitter, grayscale: c.grayscale }], img.width);
    const d = diff(out, bytes(c.out));
    assert.ok(d.max <= 1 && d.mean < 0.05, `${c.order.join(',')} grey=${c.grayscale}: max ${d.max} mean ${d.mean.toFixed(3)}`);
  }
});

test('GaussianBlur matches a float Gaussian within 1 level and stays close to PIL GaussianBlur', () => {
  const img = image(ref.blur);
  for (const c of ref.blur.cases) {
    const [out] = renderViews(img, [{ ...plain(img), blurSigma: c.sigma }], img.width);
    const d = diff(out, bytes(c.out));
    assert.ok(d.max <= 1 && d.mean < 0.3, `sigma ${c.sigma}: max ${d.max} mean ${d.mean.toFixed(3)}`);
    const p = diff(out, bytes(c.pil));
    assert.ok(p.mean < 2, `sigma ${c.sigma} vs PIL's box approximation: mean ${p.mean.toFixed(3)}`);
  }
});
