/**
 * torchvision's `_make_divisible` (from TF-slim's MobileNet): rounds a scaled channel count to
 * the nearest multiple of `divisor`, at least `minValue`, and never more than 10 % below `v`.
 * Width multipliers of MobileNet-v3 and EfficientNet go through it, so our channel counts equal
 * torchvision's for every multiplier.
 */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`makeDivisible: channel count ${v} must be a positive number`);
  // Python: max(min_value, int(v + divisor / 2) // divisor * divisor)
  let n = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}
