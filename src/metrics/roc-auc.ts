import { pickCurveIndices } from './curve-downsampling.ts';
import type { NumericVector } from './metric-input.ts';
import { computeThresholdCounts } from './threshold-counts.ts';

/** Points of a ROC curve from (0, 0) to (1, 1), in order of descending threshold. */
export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
}

/** Default number of points a curve keeps for the report. */
export const DEFAULT_CURVE_POINTS = 200;

/**
 * Area under the ROC curve of `scores` against binary `labels` (0/1): the Mann–Whitney probability that a random
 * positive outscores a random negative, a tie counting one half. Computed as the trapezoid area over tie groups,
 * which is the same number. Null when there are no rows or only one class. O(n log n).
 */
export function computeAuc(scores: NumericVector, labels: NumericVector): number | null {
  const { truePositives, falsePositives, positives, negatives } = computeThresholdCounts(scores, labels);
  if (positives === 0 || negatives === 0) return null;
  // Twice the area in integer units, so the sum stays exact up to ~2^53.
  let doubleArea = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let k = 0; k < truePositives.length; k++) {
    const tp = truePositives[k] as number;
    const fp = falsePositives[k] as number;
    doubleArea += (fp - previousFp) * (tp + previousTp);
    previousTp = tp;
    previousFp = fp;
  }
  return doubleArea / (2 * positives * negatives);
}

/**
 * The ROC curve (false positive rate, true positive rate) at every distinct score, starting at (0, 0), cut down to
 * at most `maxPoints` evenly spread points (first and last kept). Null when there are no rows or only one class.
 */
export function computeRocCurve(
  scores: NumericVector,
  labels: NumericVector,
  maxPoints: number = DEFAULT_CURVE_POINTS,
): RocCurve | null {
  const { truePositives, falsePositives, positives, negatives } = computeThresholdCounts(scores, labels);
  if (positives === 0 || negatives === 0) return null;
  const fpr = [0];
  const tpr = [0];
  for (let k = 0; k < truePositives.length; k++) {
    fpr.push((falsePositives[k] as number) / negatives);
    tpr.push((truePositives[k] as number) / positives);
  }
  const kept = pickCurveIndices(fpr.length, maxPoints);
  return { fpr: kept.map((i) => fpr[i] as number), tpr: kept.map((i) => tpr[i] as number) };
}
