/*
 * ColorJitter (brightness, contrast, saturation, hue in a given order) and RandomGrayscale:
 * float32 lanes in [0, 255], clamped after every op like torchvision's tensor ops, rounded
 * once at the end. Pixels go planar in L1-sized tiles; each op is one tight loop over a tile.
 * Contrast blends with the mean grey of the image as it stands when contrast runs, so with
 * contrast the ops before it run over the whole image first (planar floats in `scratch`).
 */
#include "pixels4.h"

enum { OP_BRIGHTNESS = 0, OP_CONTRAST = 1, OP_SATURATION = 2, OP_HUE = 3 };

/* pmin/pmax are single x86 instructions (min/max are not: NaN and -0 rules); no NaN reaches here. */
static inline v128_t clamp255(v128_t x) {
  return wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(255.0f));
}

/* ITU-R 601-2 luma, as PIL's convert("L") and torchvision's rgb_to_grayscale. */
static inline v128_t grey(rgb4 p) {
  v128_t y = wasm_f32x4_mul(p.r, wasm_f32x4_splat(0.299f));
  y = wasm_f32x4_add(y, wasm_f32x4_mul(p.g, wasm_f32x4_splat(0.587f)));
  return clamp255(wasm_f32x4_add(y, wasm_f32x4_mul(p.b, wasm_f32x4_splat(0.114f))));
}

/* torchvision's _blend: clamp(f * x + (1 - f) * other). */
static inline v128_t blend(v128_t x, v128_t other, float f) {
  return clamp255(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(f)), wasm_f32x4_mul(other, wasm_f32x4_splat(1.0f - f))));
}

/*
 * torchvision's adjust_hue: RGB -> HSV, h += shift (turns), HSV -> RGB. Value v = max and
 * chroma c = max - min are kept, so with h6 = 6h in [0, 6) each channel is
 * min + c * clamp(|h6 - 3| - 1, 0, 1) (red), clamp(2 - |h6 - 2|, 0, 1) (green),
 * clamp(2 - |h6 - 4|, 0, 1) (blue): the piecewise-linear form of HSV -> RGB.
 */
static inline v128_t unit(v128_t x) {
  return wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(1.0f));
}

static inline rgb4 shift_hue(rgb4 p, float shift) {
  v128_t v = wasm_f32x4_pmax(p.r, wasm_f32x4_pmax(p.g, p.b));
  v128_t lo = wasm_f32x4_pmin(p.r, wasm_f32x4_pmin(p.g, p.b));
  v128_t c = wasm_f32x4_sub(v, lo);
  v128_t zero = wasm_f32x4_eq(c, wasm_f32x4_splat(0.0f));
  v128_t inv = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_v128_bitselect(wasm_f32x4_splat(1.0f), c, zero));
  v128_t hr = wasm_f32x4_mul(wasm_f32x4_sub(p.g, p.b), inv);
  v128_t hg = wasm_f32x4_add(wasm_f32x4_splat(2.0f), wasm_f32x4_mul(wasm_f32x4_sub(p.b, p.r), inv));
  v128_t hb = wasm_f32x4_add(wasm_f32x4_splat(4.0f), wasm_f32x4_mul(wasm_f32x4_sub(p.r, p.g), inv));
  v128_t h6 = wasm_v128_bitselect(hg, hb, wasm_f32x4_eq(v, p.g));
  h6 = wasm_v128_bitselect(hr, h6, wasm_f32x4_eq(v, p.r));
  /* h6 + 6 shift lies in [-4, 10): wrap into [0, 6) */
  h6 = wasm_f32x4_add(h6, wasm_f32x4_splat(6.0f * shift));
  h6 = wasm_f32x4_add(h6, wasm_v128_and(wasm_f32x4_lt(h6, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(6.0f)));
  h6 = wasm_f32x4_sub(h6, wasm_v128_and(wasm_f32x4_ge(h6, wasm_f32x4_splat(6.0f)), wasm_f32x4_splat(6.0f)));
  v128_t one = wasm_f32x4_splat(1.0f), two = wasm_f32x4_splat(2.0f);
  v128_t r = unit(wasm_f32x4_sub(wasm_f32x4_abs(wasm_f32x4_sub(h6, wasm_f32x4_splat(3.0f))), one));
  v128_t g = unit(wasm_f32x4_sub(two, wasm_f32x4_abs(wasm_f32x4_sub(h6, two))));
  v128_t b = unit(wasm_f32x4_sub(two, wasm_f32x4_abs(wasm_f32x4_sub(h6, wasm_f32x4_splat(4.0f)))));
  rgb4 out = {wasm_f32x4_add(lo, wasm_f32x4_mul(c, r)), wasm_f32x4_add(lo, wasm_f32x4_mul(c, g)), wasm_f32x4_add(lo, wasm_f32x4_mul(c, b))};
  return out;
}

#define TILE 1024 /* pixels per tile: 12 KB of planar floats, L1-resident while the ops run */

/* Planar float pixels: a tile of the scratch image, or the static tile below. */
typedef struct { float *r, *g, *b; } planes;

static inline rgb4 get(planes t, int i) {
  rgb4 p = {wasm_v128_load(t.r + i), wasm_v128_load(t.g + i), wasm_v128_load(t.b + i)};
  return p;
}

static inline void put(planes t, int i, rgb4 p) {
  wasm_v128_store(t.r + i, p.r);
  wasm_v128_store(t.g + i, p.g);
  wasm_v128_store(t.b + i, p.b);
}

/* One op over the first n pixels (n a multiple of 4): one tight loop per op. */
static void run_op(planes t, int n, int op, float f, v128_t mean) {
  v128_t k = wasm_f32x4_splat(f);
  for (int i = 0; i < n; i += 4) {
    rgb4 p = get(t, i);
    if (op == OP_BRIGHTNESS) {
      p.r = clamp255(wasm_f32x4_mul(p.r, k)); p.g = clamp255(wasm_f32x4_mul(p.g, k)); p.b = clamp255(wasm_f32x4_mul(p.b, k));
    } else if (op == OP_CONTRAST) {
      p.r = blend(p.r, mean, f); p.g = blend(p.g, mean, f); p.b = blend(p.b, mean, f);
    } else if (op == OP_SATURATION) {
      v128_t y = grey(p);
      p.r = blend(p.r, y, f); p.g = blend(p.g, y, f); p.b = blend(p.b, y, f);
    } else {
      p = shift_hue(p, f);
    }
    put(t, i, p);
  }
}

/* Pixels i..i+3, zero-padded past npix (zeros stay zero through the ops before contrast). */
static inline rgb4 load_at(const uint8_t *px, int i, int npix) {
  if (i + 4 <= npix) return load_pixels4(px + 3 * i);
  uint8_t t[16] = {0};
  for (int k = 0; k < 3 * (npix - i); k++) t[k] = px[3 * i + k];
  return load_pixels4(t);
}

static inline void store_at(uint8_t *px, int i, int npix, rgb4 q) {
  if (i + 4 <= npix) {
    store_pixels4(px + 3 * i, q);
    return;
  }
  uint8_t t[16];
  store_pixels4(t, q);
  for (int k = 0; k < 3 * (npix - i); k++) px[3 * i + k] = t[k];
}

static void unpack(planes t, const uint8_t *px, int at, int n, int npix) {
  for (int i = 0; i < n; i += 4) put(t, i, load_at(px, at + i, npix));
}

static void pack(planes t, uint8_t *px, int at, int n, int npix, int greyscale) {
  for (int i = 0; i < n; i += 4) {
    rgb4 p = get(t, i);
    if (greyscale) p.r = p.g = p.b = grey(p);
    store_at(px, at + i, npix, p);
  }
}

static double grey_sum(planes t, int n) {
  v128_t s = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < n; i += 4) s = wasm_f32x4_add(s, grey(get(t, i)));
  return (double)wasm_f32x4_extract_lane(s, 0) + (double)wasm_f32x4_extract_lane(s, 1) +
         (double)wasm_f32x4_extract_lane(s, 2) + (double)wasm_f32x4_extract_lane(s, 3);
}

static float tile_r[TILE], tile_g[TILE], tile_b[TILE];

/*
 * px: npix interleaved RGB pixels (+4 bytes slack), changed in place. ops: nops op codes in
 * application order. factors[op]: the op's factor, or the hue shift in turns. scratch:
 * 3 * (npix rounded up to 4) floats, used only when contrast is among the ops: it holds the
 * image after the ops before contrast, planar, while their grey mean is summed.
 */
EXPORT("colour_jitter")
void colour_jitter(uint8_t *px, int npix, const int32_t *ops, int nops, const float *factors, int greyscale, float *scratch) {
  int c = -1;
  for (int o = 0; o < nops; o++) if (ops[o] == OP_CONTRAST) c = o;
  int stride = (npix + 3) & ~3;
  v128_t none = wasm_f32x4_splat(0.0f);
  if (c < 0) {
    planes t = {tile_r, tile_g, tile_b};
    for (int at = 0; at < stride; at += TILE) {
      int n = stride - at < TILE ? stride - at : TILE;
      unpack(t, px, at, n, npix);
      for (int o = 0; o < nops; o++) run_op(t, n, ops[o], factors[ops[o]], none);
      pack(t, px, at, n, npix, greyscale);
    }
    return;
  }
  double sum = 0.0; /* f32 lane sums per tile, added up in double */
  for (int at = 0; at < stride; at += TILE) {
    int n = stride - at < TILE ? stride - at : TILE;
    planes t = {scratch + at, scratch + stride + at, scratch + 2 * stride + at};
    unpack(t, px, at, n, npix);
    for (int o = 0; o < c; o++) run_op(t, n, ops[o], factors[ops[o]], none);
    sum += grey_sum(t, n);
  }
  v128_t mean = wasm_f32x4_splat((float)(sum / npix));
  for (int at = 0; at < stride; at += TILE) {
    int n = stride - at < TILE ? stride - at : TILE;
    planes t = {scratch + at, scratch + stride + at, scratch + 2 * stride + at};
    for (int o = c; o < nops; o++) run_op(t, n, ops[o], factors[ops[o]], mean);
    pack(t, px, at, n, npix, greyscale);
  }
}
