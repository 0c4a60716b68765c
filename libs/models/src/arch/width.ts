/** Shared validation of width multipliers. */
export function checkWidth(model: string, width: number): void {
  if (!Number.isFinite(width) || width <= 0) throw new RangeError(`${model}: width multiplier ${width} must be a positive number`);
}
