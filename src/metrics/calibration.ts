import { checkMetricInput, type NumericVector } from './metric-input.ts';

/** Probabilities are clipped into [LOG_LOSS_EPSILON, 1 − LOG_LOSS_EPSILON] so a confident mistake costs ~16, not ∞. */
export const LOG_LOSS_EPSILON = 1e-7;

/** Number of equal-width probability bins of `computeEce`. */
export const ECE_BINS = 10;

/**
 * Mean binary cross-entropy of `probabilities` against `labels` (0/1), probabilities clipped to
 * [1e-7, 1 − 1e-7]. Null when there are no rows. O(n).
 */
export function computeLogLoss(probabilities: NumericVector, labels: NumericVector): number | null {
  checkMetricInput(probabilities, labels, { binaryLabels: true, what: 'probabilities' });
  if (probabilities.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(Math.max(probabilities[i] as number, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probabilities.length;
}

/** Brier score: mean squared difference between `probabilities` and `labels` (0/1). Null when there are no rows. */
export function computeBrier(probabilities: NumericVector, labels: NumericVector): number | null {
  checkMetricInput(probabilities, labels, { binaryLabels: true, what: 'probabilities' });
  if (probabilities.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const error = (probabilities[i] as number) - (labels[i] as number);
    sum += error * error;
  }
  return sum / probabilities.length;
}

/**
 * Expected calibration error over 10 equal-width bins of [0, 1] (bin b holds p in [b/10, (b+1)/10), the last bin
 * also p = 1): Σ_b (n_b / n) · |mean label_b − mean p_b|. Null when there are no rows. O(n).
 */
export function computeEce(probabilities: NumericVector, labels: NumericVector): number | null {
  checkMetricInput(probabilities, labels, { binaryLabels: true, what: 'probabilities' });
  const n = probabilities.length;
  if (n === 0) return null;
  const counts = new Float64Array(ECE_BINS);
  const probabilitySums = new Float64Array(ECE_BINS);
  const labelSums = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] as number;
    // Clamp so that p = 1 (and any stray value outside [0, 1]) lands in an edge bin.
    const bin = Math.min(ECE_BINS - 1, Math.max(0, Math.floor(p * ECE_BINS)));
    counts[bin]! += 1;
    probabilitySums[bin]! += p;
    labelSums[bin]! += labels[i] as number;
  }
  let ece = 0;
  for (let bin = 0; bin < ECE_BINS; bin++) {
    const count = counts[bin] as number;
    if (count === 0) continue;
    // (count / n) · |Σy/count − Σp/count| simplifies to |Σy − Σp| / n.
    ece += Math.abs((labelSums[bin] as number) - (probabilitySums[bin] as number)) / n;
  }
  return ece;
}
