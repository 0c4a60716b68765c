/*
 * Shared helpers of the augment kernels (wasm32 + SIMD128, built by scripts/build-wasm.sh).
 * Fixed-point weights are int16 with WEIGHT_BITS fractional bits; they sum to 1 << WEIGHT_BITS.
 */
#ifndef DISCO_AUGMENT_SIMD_H
#define DISCO_AUGMENT_SIMD_H
#include <stdint.h>
#include <wasm_simd128.h>

#define WEIGHT_BITS 14
#define ROUND_HALF (1 << (WEIGHT_BITS - 1))
#define EXPORT(name) __attribute__((export_name(name)))

/* Four i32x4 accumulators (16 lanes) -> rounded, shifted, saturated u8x16. */
static inline v128_t pack_fixed16(v128_t a0, v128_t a1, v128_t a2, v128_t a3) {
  v128_t h = wasm_i32x4_splat(ROUND_HALF);
  a0 = wasm_i32x4_shr(wasm_i32x4_add(a0, h), WEIGHT_BITS);
  a1 = wasm_i32x4_shr(wasm_i32x4_add(a1, h), WEIGHT_BITS);
  a2 = wasm_i32x4_shr(wasm_i32x4_add(a2, h), WEIGHT_BITS);
  a3 = wasm_i32x4_shr(wasm_i32x4_add(a3, h), WEIGHT_BITS);
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a0, a1), wasm_i16x8_narrow_i32x4(a2, a3));
}

/* acc[0..3] += widen(v: u16x8 low/high halves) * w, for 16 lanes held as two u16x8. */
static inline void mac16(v128_t acc[4], v128_t lo, v128_t hi, v128_t w) {
  acc[0] = wasm_i32x4_add(acc[0], wasm_i32x4_extmul_low_i16x8(lo, w));
  acc[1] = wasm_i32x4_add(acc[1], wasm_i32x4_extmul_high_i16x8(lo, w));
  acc[2] = wasm_i32x4_add(acc[2], wasm_i32x4_extmul_low_i16x8(hi, w));
  acc[3] = wasm_i32x4_add(acc[3], wasm_i32x4_extmul_high_i16x8(hi, w));
}

static inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static inline uint8_t fixed_to_u8(int32_t acc) {
  return (uint8_t)clamp_int((acc + ROUND_HALF) >> WEIGHT_BITS, 0, 255);
}
#endif
