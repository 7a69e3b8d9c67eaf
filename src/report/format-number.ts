/** A metric for people: `digits` decimals, or "n/a" when it is missing or not finite. */
export function formatMetric(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** A signed difference (+0.0123, −0.0040), "n/a" when missing; a true minus sign reads better in tables. */
export function formatSigned(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? `±${text}` : `${value > 0 ? '+' : '−'}${text}`;
}

/** A fraction as a signed percentage (Δm 0.012 → +1.20 %). */
export function formatSignedPercent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${formatSigned(value * 100, digits)} %`;
}

/** A hyperparameter value compactly: 0.000123 → 1.23e-4, 0.12345 → 0.123, 64 → 64; other values as JSON. */
export function formatParamValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(3)));
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
