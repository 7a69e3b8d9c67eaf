/** `value` rounded to `digits` decimals (half away from zero for positives, as `Math.round`). */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** {@link round} for a metric that may be missing: null for null, undefined, NaN or ±Infinity. */
export function roundOrNull(value: number | null | undefined, digits = 4): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return round(value, digits);
}
