/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
 * counter-based generator. Output block = f(key, counter) with no state, so any worker can
 * produce any draw of any view. Integer arithmetic only: identical bits on every machine.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/** High 32 bits of the 64-bit product of two uint32 (low bits: Math.imul). */
function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: writes 4 uint32 of output for counter `c` under key `(k0, k1)`. */
export function philox4x32(c: ArrayLike<number>, k0: number, k1: number, out: Uint32Array): void {
  let c0 = c[0] >>> 0;
  let c1 = c[1] >>> 0;
  let c2 = c[2] >>> 0;
  let c3 = c[3] >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < ROUNDS; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ key0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ key1) >>> 0;
    c3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
