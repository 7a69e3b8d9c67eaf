import { binOfValue } from '../metrics/decile.ts';

/**
 * Rank-Gaussian scaling of one numeric column (as scikit-learn's `QuantileTransformer(output_distribution='normal')`):
 * training values give `quantiles` at evenly spaced probabilities 0, 1/(n−1), …, 1; a value maps through that
 * empirical CDF (linear interpolation between quantiles) and then the inverse normal CDF. Monotone, so the order of
 * values is kept while a skewed or heavy-tailed column becomes roughly standard normal.
 */

/** Quantiles kept per column at most: enough for a smooth CDF, small enough for preprocessor.json. */
export const maxQuantiles = 1000;

/** The CDF is clipped to [ε, 1 − ε] before the inverse normal, so outputs stay within about ±5.2. */
const cdfBound = 1e-7;

/**
 * The training quantiles of `values` (finite numbers, any order) at `min(maxQuantiles, values.length)` evenly spaced
 * probabilities, ascending (ties repeat, so the CDF keeps the mass of a repeated value).
 */
export function fitQuantiles(values: Float64Array): number[] {
  const sorted = Float64Array.from(values).sort();
  const count = Math.min(maxQuantiles, sorted.length);
  if (count <= 1) return sorted.length === 0 ? [] : [sorted[0] as number];
  return Array.from({ length: count }, (_, i) => quantileOfSorted(sorted, i / (count - 1)));
}

/** The `p`-quantile of ascending `sorted` with linear interpolation between order statistics (NumPy's default). */
export function quantileOfSorted(sorted: Float64Array, p: number): number {
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  return low + (position - below) * ((sorted[above] as number) - low);
}

/**
 * The empirical CDF of `value` in [0, 1] from ascending `quantiles`: linear between neighbouring quantiles, the middle
 * of a run of equal quantiles when the value equals them (so a value repeated in training lands at the middle of its
 * mass, not at one end), 0 below the first and 1 above the last.
 */
export function empiricalCdf(quantiles: readonly number[], value: number): number {
  const n = quantiles.length;
  if (n === 0) return 0.5;
  if (n === 1) return value < (quantiles[0] as number) ? 0 : value > (quantiles[0] as number) ? 1 : 0.5;
  const step = 1 / (n - 1);
  const first = lowerBound(quantiles, value);
  const after = binOfValue(value, quantiles);
  if (first < after) return ((first + after - 1) / 2) * step;
  if (first === 0) return 0;
  if (first === n) return 1;
  const low = quantiles[first - 1] as number;
  const high = quantiles[first] as number;
  return (first - 1 + (value - low) / (high - low)) * step;
}

/** The rank-Gaussian value of `value`: Φ⁻¹ of its clipped empirical CDF. */
export function quantileEncode(quantiles: readonly number[], value: number): number {
  const p = empiricalCdf(quantiles, value);
  return inverseNormalCdf(Math.min(1 - cdfBound, Math.max(cdfBound, p)));
}

/**
 * Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error below 1.2e-9), ample for float32 inputs.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? -Infinity : p >= 1 ? Infinity : Number.NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = 0.02425;
  const polynomial = (coefficients: number[], x: number): number => coefficients.reduce((sum, k) => sum * x + k, 0);
  if (p < tail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return polynomial(c, q) / (polynomial(d, q) * q + 1);
  }
  if (p > 1 - tail) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -polynomial(c, q) / (polynomial(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (polynomial(a, r) * q) / (polynomial(b, r) * r + 1);
}

/** First index whose value is ≥ `value` (`values` ascending). */
export function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
