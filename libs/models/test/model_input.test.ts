/**
 * The model-input contract: uint8 NHWC pixels → float [n, H, W, 3], grey replicated, resized
 * bilinearly when asked, (x/255 − mean)/std with ImageNet's by default; bad inputs named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '@disco/tensor';
import { IMAGENET_MEAN, IMAGENET_STD, ModelInputError, toModelInput } from '../src/index.ts';

await initBackend();

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('toModelInput normalises with ImageNet mean/std and replicates grey to RGB', async () => {
  const grey = Uint8Array.from([0, 255, 128, 64]);
  const x = toModelInput(grey, [1, 2, 2, 1]);
  assert.deepEqual(x.shape, [1, 2, 2, 3]);
  const v = await x.data();
  x.dispose();
  for (let p = 0; p < 4; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const want = (grey[p] / 255 - IMAGENET_MEAN[ch]) / IMAGENET_STD[ch];
      assert.ok(Math.abs(v[p * 3 + ch] - want) < 1e-5, `pixel ${p} channel ${ch}: ${v[p * 3 + ch]} vs ${want}`);
    }
  }
  const resized = toModelInput(new Uint8Array(28 * 28).fill(200), [1, 28, 28, 1], { size: 32, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.deepEqual(resized.shape, [1, 32, 32, 3]);
  assert.ok(maxAbsDiff((await resized.data()) as Float32Array, new Float32Array(32 * 32 * 3).fill(200 / 255)) < 1e-6);
  resized.dispose();
});

test('bad input is refused by name: channels, byte count, std', () => {
  assert.throws(() => toModelInput(new Uint8Array(8), [1, 2, 2, 2]), (e: Error) => e instanceof ModelInputError && /2 channels; expected 1 \(grey\) or 3 \(RGB\)/.test(e.message));
  assert.throws(() => toModelInput(new Uint8Array(5), [1, 2, 2, 1]), /5 bytes do not make shape \[1,2,2,1\] \(4 bytes\)/);
  assert.throws(() => toModelInput(new Uint8Array(4), [1, 2, 2, 1], { std: [0.2, 0, 0.2] }), /std \[0.2,0,0.2\] must be positive/);
});
