/*
 * Separable Gaussian blur of interleaved RGB uint8, edges replicated (as PIL's GaussianBlur).
 * k[0] is the centre weight and k[t] the weight at distance t <= radius (fixed point, the
 * full kernel sums to 1 << WEIGHT_BITS). Each pass rounds to uint8.
 */
#include "simd.h"

/* out[i] = k0 * mid[i] + sum_t k[t] * (lo_t[i] + hi_t[i]); rows of rowBytes; lo/hi by callback. */
static inline void symmetric16(const uint8_t *mid, const uint8_t *const *lo, const uint8_t *const *hi,
                               int i, const int16_t *k, int radius, uint8_t *out) {
  v128_t v = wasm_v128_load(mid + i);
  v128_t acc[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
  mac16(acc, wasm_u16x8_extend_low_u8x16(v), wasm_u16x8_extend_high_u8x16(v), wasm_i16x8_splat(k[0]));
  for (int t = 1; t <= radius; t++) {
    v128_t a = wasm_v128_load(lo[t] + i), b = wasm_v128_load(hi[t] + i);
    v128_t sl = wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(a), wasm_u16x8_extend_low_u8x16(b));
    v128_t sh = wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(a), wasm_u16x8_extend_high_u8x16(b));
    mac16(acc, sl, sh, wasm_i16x8_splat(k[t]));
  }
  wasm_v128_store(out + i, pack_fixed16(acc[0], acc[1], acc[2], acc[3]));
}

static void filter_row(const uint8_t *mid, const uint8_t *const *lo, const uint8_t *const *hi,
                       int rowBytes, const int16_t *k, int radius, uint8_t *out) {
  if (rowBytes < 16) {
    for (int i = 0; i < rowBytes; i++) {
      int32_t acc = k[0] * mid[i];
      for (int t = 1; t <= radius; t++) acc += k[t] * (lo[t][i] + hi[t][i]);
      out[i] = fixed_to_u8(acc);
    }
    return;
  }
  for (int i = 0;; i += 16) {
    if (i > rowBytes - 16) i = rowBytes - 16; /* last step overlaps the previous one */
    symmetric16(mid, lo, hi, i, k, radius, out);
    if (i == rowBytes - 16) break;
  }
}

#define MAX_RADIUS 64

/* Vertical pass: in and out are rows x (width * 3) bytes, distinct buffers. */
EXPORT("blur_vertical")
void blur_vertical(const uint8_t *in, uint8_t *out, int width, int rows, const int16_t *k, int radius) {
  const uint8_t *lo[MAX_RADIUS + 1], *hi[MAX_RADIUS + 1];
  int rowBytes = width * 3;
  for (int y = 0; y < rows; y++) {
    for (int t = 1; t <= radius; t++) {
      lo[t] = in + clamp_int(y - t, 0, rows - 1) * rowBytes;
      hi[t] = in + clamp_int(y + t, 0, rows - 1) * rowBytes;
    }
    filter_row(in + y * rowBytes, lo, hi, rowBytes, k, radius, out + y * rowBytes);
  }
}

/* Horizontal pass; pad is scratch of (width + 2 * radius) * 3 bytes. */
EXPORT("blur_horizontal")
void blur_horizontal(const uint8_t *in, uint8_t *out, int width, int rows, const int16_t *k, int radius,
                     uint8_t *pad) {
  const uint8_t *lo[MAX_RADIUS + 1], *hi[MAX_RADIUS + 1];
  int rowBytes = width * 3, edge = radius * 3;
  const uint8_t *mid = pad + edge;
  for (int t = 1; t <= radius; t++) {
    lo[t] = mid - 3 * t;
    hi[t] = mid + 3 * t;
  }
  for (int y = 0; y < rows; y++) {
    const uint8_t *row = in + y * rowBytes;
    for (int i = 0; i < edge; i++) {
      pad[i] = row[i % 3];
      pad[edge + rowBytes + i] = row[rowBytes - 3 + i % 3];
    }
    for (int i = 0; i < rowBytes; i++) pad[edge + i] = row[i];
    filter_row(mid, lo, hi, rowBytes, k, radius, out + y * rowBytes);
  }
}
