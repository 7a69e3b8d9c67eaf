import { pickCurveIndices } from './curve-downsampling.ts';
import type { NumericVector } from './metric-input.ts';
import { DEFAULT_CURVE_POINTS } from './roc-auc.ts';
import { computeThresholdCounts } from './threshold-counts.ts';

/** Points of a precision–recall curve, from (recall 0, precision 1) in order of descending threshold. */
export interface PrCurve {
  readonly recall: number[];
  readonly precision: number[];
}

/**
 * Average precision as scikit-learn's `average_precision_score` defines it: Σ (R_k − R_{k−1}) · P_k over distinct
 * scores taken as thresholds in descending order (ties grouped, no interpolation). Null when no row is positive.
 * O(n log n).
 */
export function computePrAuc(scores: NumericVector, labels: NumericVector): number | null {
  const { truePositives, falsePositives, positives } = computeThresholdCounts(scores, labels);
  if (positives === 0) return null;
  let sum = 0;
  let previousTp = 0;
  for (let k = 0; k < truePositives.length; k++) {
    const tp = truePositives[k] as number;
    if (tp === previousTp) continue;
    const precision = tp / (tp + (falsePositives[k] as number));
    sum += (tp - previousTp) * precision;
    previousTp = tp;
  }
  return sum / positives;
}

/**
 * The precision–recall curve at every distinct score, preceded by the conventional point (recall 0, precision 1)
 * as scikit-learn's `precision_recall_curve` adds it, cut down to at most `maxPoints` evenly spread points.
 * Null when no row is positive.
 */
export function computePrCurve(
  scores: NumericVector,
  labels: NumericVector,
  maxPoints: number = DEFAULT_CURVE_POINTS,
): PrCurve | null {
  const { truePositives, falsePositives, positives } = computeThresholdCounts(scores, labels);
  if (positives === 0) return null;
  const recall = [0];
  const precision = [1];
  for (let k = 0; k < truePositives.length; k++) {
    const tp = truePositives[k] as number;
    recall.push(tp / positives);
    precision.push(tp / (tp + (falsePositives[k] as number)));
  }
  const kept = pickCurveIndices(recall.length, maxPoints);
  return { recall: kept.map((i) => recall[i] as number), precision: kept.map((i) => precision[i] as number) };
}
