import { checkMetricInput, type NumericVector } from './metric-input.ts';
import { computeThresholdCounts } from './threshold-counts.ts';

/** Classification quality when rows with `score >= threshold` are predicted positive. */
export interface ThresholdMetrics {
  /** 2·TP / (2·TP + FP + FN); 0 when there is no true positive. */
  readonly f1: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive. */
  readonly precision: number;
  /** TP / (TP + FN); 0 when no row is positive. */
  readonly recall: number;
}

/** The threshold `chooseF1Threshold` returns when there is nothing to choose from (no positive row). */
export const DEFAULT_DECISION_THRESHOLD = 0.5;

/** F1 from confusion counts; 0 instead of 0/0. */
function f1FromCounts(tp: number, fp: number, positives: number): number {
  return tp === 0 ? 0 : (2 * tp) / (tp + fp + positives);
}

/**
 * F1, precision and recall of the decision `score >= threshold` against binary `labels` (0/1). Undefined ratios
 * are reported as 0 so that a degenerate model scores low instead of breaking the sum. O(n).
 */
export function computeThresholdMetrics(
  scores: NumericVector,
  labels: NumericVector,
  threshold: number,
): ThresholdMetrics {
  checkMetricInput(scores, labels, { binaryLabels: true });
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    const positive = labels[i] === 1;
    if (positive) positives++;
    if ((scores[i] as number) >= threshold) {
      if (positive) tp++;
      else fp++;
    }
  }
  return {
    f1: f1FromCounts(tp, fp, positives),
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: positives === 0 ? 0 : tp / positives,
  };
}

/**
 * The threshold that maximises F1 of `score >= threshold` on these rows, trying every distinct score; among equal
 * F1 the higher threshold wins (fewer positive calls for the same quality). Meant for validation rows, the result
 * is then applied to test rows. 0.5 when no row is positive. O(n log n).
 */
export function chooseF1Threshold(scores: NumericVector, labels: NumericVector): number {
  const { thresholds, truePositives, falsePositives, positives } = computeThresholdCounts(scores, labels);
  if (positives === 0) return DEFAULT_DECISION_THRESHOLD;
  let bestThreshold = DEFAULT_DECISION_THRESHOLD;
  let bestF1 = -1;
  // Thresholds are descending, so a strict > keeps the highest among ties.
  for (let k = 0; k < thresholds.length; k++) {
    const f1 = f1FromCounts(truePositives[k] as number, falsePositives[k] as number, positives);
    if (f1 > bestF1) {
      bestF1 = f1;
      bestThreshold = thresholds[k] as number;
    }
  }
  return bestThreshold;
}
