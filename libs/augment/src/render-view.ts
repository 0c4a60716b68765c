/**
 * Applies sampled ViewParams to decoded RGB pixels with the wasm kernels, in MoCo-v2's order:
 * crop + resize (one antialiased bilinear resample; the flip folded into its taps, since the
 * later ops are pointwise or symmetric and commute with it) -> ColorJitter -> greyscale ->
 * GaussianBlur. Output: size x size x 3 uint8 (HWC). Not normalised.
 */
import { blurTaps, MAX_BLUR_RADIUS } from './blur-taps.ts';
import type { DecodedImage } from './image-source.ts';
import { axisTaps, pairTaps } from './resize-taps.ts';
import { COLOR_OPS, type ViewParams } from './sample-view.ts';
import { Arena, kernels } from './wasm-kernels.ts';

/** Timed stages (metric label values): reading the file, decoding it, and the three kernel stages. */
export const AUGMENT_STAGES = ['read', 'decode', 'crop_resize', 'color_jitter', 'blur'] as const;
export type AugmentStage = (typeof AUGMENT_STAGES)[number];
/** Receives each stage's wall time in seconds (per view for the kernel stages). */
export type StageTimer = (stage: AugmentStage, seconds: number) => void;

let arena: Arena | undefined;
const CONTRAST = COLOR_OPS.indexOf('contrast');

/** An upper bound of one view's kernel memory (tables included), so views never see memory grow. */
function viewBytes(image: DecodedImage, size: number): number {
  const taps = 2 * Math.ceil(Math.max(image.width, image.height) / size) + 1;
  return size * size * 3 * 6 + size * image.width * 3 + size * (taps + 8) * 24 + (size + 2 * MAX_BLUR_RADIUS) * 3 + 8192;
}

function resize(a: Arena, src: number, image: DecodedImage, view: ViewParams, size: number, out: number): void {
  const k = kernels();
  const { x, y, width, height } = view.crop;
  const h = axisTaps(x, x + width, size, x, x + width, view.flip, a);
  const v = axisTaps(y, y + height, size, y, y + height, false, a);
  const cols = h.end - h.first;
  const mid = a.alloc(size * cols * 3);
  k.resize_vertical(src + h.first * 3, image.width * 3, cols * 3, mid, size, v.weights.byteOffset, v.starts.byteOffset, v.counts.byteOffset, v.taps);
  const p = pairTaps(h, a);
  k.resize_horizontal(mid, cols * 3, size, out, size, p.pairWeights.byteOffset, p.starts.byteOffset, p.pairs);
}

function jitter(a: Arena, view: ViewParams, size: number, out: number): void {
  const j = view.jitter;
  const order = j ? j.order.map((op) => COLOR_OPS.indexOf(op)) : [];
  if (order.length === 0 && !view.grayscale) return;
  const ops = a.i32(4);
  ops.set(order);
  const factors = a.f32(4);
  if (j) factors.set([j.brightness, j.contrast, j.saturation, j.hue]);
  const scratch = order.includes(CONTRAST) ? a.alloc(((size * size + 3) & ~3) * 12) : 0;
  kernels().colour_jitter(out, size * size, ops.byteOffset, order.length, factors.byteOffset, view.grayscale ? 1 : 0, scratch);
}

function blur(a: Arena, view: ViewParams, size: number, out: number): void {
  if (view.blurSigma === null) return;
  const taps = blurTaps(view.blurSigma);
  if (taps.identity) return;
  const k = kernels();
  const tmp = a.alloc(size * size * 3);
  const kw = a.put(taps.k);
  k.blur_vertical(out, tmp, size, size, kw, taps.radius);
  k.blur_horizontal(tmp, out, size, size, kw, taps.radius, a.alloc((size + 2 * taps.radius) * 3));
}

/**
 * Renders each of `views` of `image` at size x size. `into[i]`, when given, receives view i
 * (size * size * 3 bytes); otherwise a new array is returned for it. `timer`, when given,
 * gets each kernel stage's time.
 */
export function renderViews(image: DecodedImage, views: readonly ViewParams[], size: number, into: Uint8Array[] = [], timer?: StageTimer): Uint8Array[] {
  arena ??= new Arena();
  const a = arena;
  a.reset();
  const src = a.put(image.pixels);
  const start = a.mark;
  a.reserve(viewBytes(image, size));
  a.pinned = true;
  try {
    return views.map((view, i) => {
      a.reset(start);
      const out = a.alloc(size * size * 3);
      let t = timer ? performance.now() : 0;
      const lap = (stage: AugmentStage) => {
        const now = performance.now();
        timer!(stage, (now - t) / 1000);
        t = now;
      };
      resize(a, src, image, view, size, out);
      if (timer) lap('crop_resize');
      jitter(a, view, size, out);
      if (timer) lap('color_jitter');
      blur(a, view, size, out);
      if (timer) lap('blur');
      const target = into[i] ?? new Uint8Array(size * size * 3);
      target.set(a.bytes(out, size * size * 3));
      return target;
    });
  } finally {
    a.pinned = false;
  }
}
