/*
 * 4 interleaved RGB uint8 pixels (12 bytes) <-> (r, g, b) f32x4. Loads read 16 bytes and
 * stores write exactly 12, so buffers need 4 bytes of slack after them, and in-place use is safe.
 */
#ifndef DISCO_AUGMENT_PIXELS4_H
#define DISCO_AUGMENT_PIXELS4_H
#include "simd.h"

typedef struct { v128_t r, g, b; } rgb4;

static inline rgb4 load_pixels4(const uint8_t *p) {
  v128_t v = wasm_v128_load(p);
  /* swizzle indices >= 16 give 0: each byte lands zero-extended in its own i32 lane */
  v128_t r = wasm_i8x16_swizzle(v, wasm_i8x16_const(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1));
  v128_t g = wasm_i8x16_swizzle(v, wasm_i8x16_const(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1));
  v128_t b = wasm_i8x16_swizzle(v, wasm_i8x16_const(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1));
  rgb4 q = {wasm_f32x4_convert_i32x4(r), wasm_f32x4_convert_i32x4(g), wasm_f32x4_convert_i32x4(b)};
  return q;
}

/*
 * Round half to even for x in [0, 2^22): adding 1.5 * 2^23 leaves round(x) in the low
 * mantissa bits (IEEE round-to-nearest-even does the rounding); subtracting the magic's bit
 * pattern as an integer yields it. Cheaper than nearest + trunc_sat, which are emulated on x86.
 */
static inline v128_t round_to_i32(v128_t x) {
  return wasm_i32x4_sub(wasm_f32x4_add(x, wasm_f32x4_splat(12582912.0f)), wasm_i32x4_splat(0x4B400000));
}

/* Values must lie in [0, 255]. */
static inline void store_pixels4(uint8_t *p, rgb4 q) {
  v128_t v = wasm_v128_or(round_to_i32(q.r), wasm_i32x4_shl(round_to_i32(q.g), 8));
  v = wasm_v128_or(v, wasm_i32x4_shl(round_to_i32(q.b), 16));
  v = wasm_i8x16_swizzle(v, wasm_i8x16_const(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1));
  wasm_v128_store64_lane(p, v, 0);
  wasm_v128_store32_lane(p + 8, v, 2);
}
#endif
