import { checkMetricInput, type NumericVector } from './metric-input.ts';

/**
 * Confusion counts at every distinct score, as scikit-learn's `_binary_clf_curve`: entry k says what happens when
 * rows with `score >= thresholds[k]` are predicted positive. Thresholds are descending, so counts only grow.
 */
export interface ThresholdCounts {
  /** Distinct scores, descending. */
  readonly thresholds: Float64Array;
  /** True positives among rows with score >= thresholds[k]. */
  readonly truePositives: Float64Array;
  /** False positives among rows with score >= thresholds[k]. */
  readonly falsePositives: Float64Array;
  /** Rows labelled 1. */
  readonly positives: number;
  /** Rows labelled 0. */
  readonly negatives: number;
}

/** Row indices ordered by descending score (ties in row order). O(n log n). */
export function orderByDescendingScore(scores: NumericVector): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/**
 * Cumulative true/false positives at each distinct score of binary-labelled rows (labels 0/1). Tied scores form
 * one group, so a threshold never splits them. One sort: O(n log n).
 */
export function computeThresholdCounts(scores: NumericVector, labels: NumericVector): ThresholdCounts {
  checkMetricInput(scores, labels, { binaryLabels: true });
  const order = orderByDescendingScore(scores);
  const thresholds: number[] = [];
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k] as number;
    if (labels[row] === 1) tp++;
    else fp++;
    const score = scores[row] as number;
    const next = order[k + 1];
    // Close the group only after its last tied row.
    if (next === undefined || (scores[next] as number) !== score) {
      thresholds.push(score);
      truePositives.push(tp);
      falsePositives.push(fp);
    }
  }
  return {
    thresholds: Float64Array.from(thresholds),
    truePositives: Float64Array.from(truePositives),
    falsePositives: Float64Array.from(falsePositives),
    positives: tp,
    negatives: fp,
  };
}
