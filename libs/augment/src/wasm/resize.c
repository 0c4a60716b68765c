/*
 * Separable resampling of interleaved RGB uint8 with precomputed fixed-point taps (the
 * tables, antialiased like PIL's BILINEAR, are built in resize-taps.ts). Vertical first, on
 * whole rows, 16 bytes per step; then horizontal, one output pixel per step, two taps per
 * i16x8 dot product. Both passes round to uint8.
 */
#include "simd.h"

/*
 * out[y][i] = sum_t w[y][t] * src[start[y] + t][i] for i < rowBytes.
 * src points at the first column used; rows are srcStride bytes apart.
 */
EXPORT("resize_vertical")
void resize_vertical(const uint8_t *src, int srcStride, int rowBytes, uint8_t *out, int outRows,
                     const int16_t *weights, const int32_t *starts, const int32_t *counts, int taps) {
  for (int y = 0; y < outRows; y++) {
    const int16_t *w = weights + y * taps;
    const uint8_t *first = src + starts[y] * srcStride;
    uint8_t *o = out + y * rowBytes;
    int n = counts[y];
    if (rowBytes < 16) {
      for (int i = 0; i < rowBytes; i++) {
        int32_t acc = 0;
        for (int t = 0; t < n; t++) acc += first[t * srcStride + i] * w[t];
        o[i] = fixed_to_u8(acc);
      }
      continue;
    }
    for (int i = 0;; i += 16) {
      if (i > rowBytes - 16) i = rowBytes - 16; /* last step overlaps the previous one */
      v128_t acc[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
      for (int t = 0; t < n; t++) {
        v128_t v = wasm_v128_load(first + t * srcStride + i);
        mac16(acc, wasm_u16x8_extend_low_u8x16(v), wasm_u16x8_extend_high_u8x16(v), wasm_i16x8_splat(w[t]));
      }
      wasm_v128_store(o + i, pack_fixed16(acc[0], acc[1], acc[2], acc[3]));
      if (i == rowBytes - 16) break;
    }
  }
}

/* One output row; `pairs` is a compile-time constant in the specialised calls below. */
static inline __attribute__((always_inline)) void horizontal_row(const uint8_t *row, uint8_t *o, int outWidth,
                                                                 const v128_t *pairWeights, const int32_t *starts,
                                                                 int pairs) {
  v128_t half = wasm_i32x4_splat(ROUND_HALF);
  /* bytes R0 G0 B0 R1 G1 B1 -> i16 lanes R0 R1 G0 G1 B0 B1 0 0 (swizzle index >= 16 gives 0) */
  v128_t lanes = wasm_i8x16_const(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
  for (int x = 0; x < outWidth; x++) {
    const uint8_t *p = row + starts[x] * 3;
    const v128_t *w = pairWeights + x * pairs;
    v128_t acc = half;
    for (int q = 0; q < pairs; q++) {
      v128_t v = wasm_i8x16_swizzle(wasm_v128_load64_zero(p + 6 * q), lanes);
      acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(v, w[q]));
    }
    acc = wasm_i32x4_shr(acc, WEIGHT_BITS);
    v128_t packed = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(acc, acc), acc);
    wasm_v128_store32_lane(o + 3 * x, packed, 0);
  }
}

/*
 * out[y][x] = sum_p dot(pixels start[x]+2p, start[x]+2p+1 ; pairWeights[x][p]) per channel.
 * pairWeights holds, per output pixel, exactly `pairs` i16x8 vectors (w0,w1,w0,w1,w0,w1,0,0),
 * zero-padded: a fixed count keeps the loop free of data-dependent branches.
 * Reads up to 8 bytes past the last tap and writes one byte past the last pixel: callers
 * leave slack after both buffers.
 */
EXPORT("resize_horizontal")
void resize_horizontal(const uint8_t *in, int inStride, int rows, uint8_t *out, int outWidth,
                       const v128_t *pairWeights, const int32_t *starts, int pairs) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *row = in + y * inStride;
    uint8_t *o = out + y * outWidth * 3;
    switch (pairs) {
      case 1: horizontal_row(row, o, outWidth, pairWeights, starts, 1); break;
      case 2: horizontal_row(row, o, outWidth, pairWeights, starts, 2); break;
      case 3: horizontal_row(row, o, outWidth, pairWeights, starts, 3); break;
      default: horizontal_row(row, o, outWidth, pairWeights, starts, pairs); break;
    }
  }
}
