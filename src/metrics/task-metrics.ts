import { computeBrier, computeEce, computeLogLoss } from './calibration.ts';
import { checkMetricInput, type NumericVector } from './metric-input.ts';
import type { MulticlassTaskMetrics } from './multiclass-metrics.ts';
import { computePrAuc } from './pr-auc.ts';
import { computeRegressionMetrics } from './regression-metrics.ts';
import { computeAuc } from './roc-auc.ts';
import { computeThresholdMetrics } from './threshold-metrics.ts';

/** Held-out metrics of one binary task (SPEC §5). Ratios with nothing to divide by are null or 0 as noted. */
export interface BinaryTaskMetrics {
  readonly type: 'binary';
  /** ROC AUC, ties as half; null with one class. */
  readonly auc: number | null;
  /** Average precision; null with no positive row. */
  readonly prAuc: number | null;
  /** F1 of `score >= threshold`; 0 when undefined. */
  readonly f1: number;
  readonly precision: number;
  readonly recall: number;
  /** Null when there are no rows (likewise brier and ece). */
  readonly logLoss: number | null;
  readonly brier: number | null;
  readonly ece: number | null;
  /** The decision threshold the f1/precision/recall above use (chosen on validation). */
  readonly threshold: number;
  readonly rows: number;
  readonly positives: number;
}

/** Held-out metrics of one regression task (SPEC §5), with auc/f1 of the prediction against `label > positiveAbove`. */
export interface RegressionTaskMetrics {
  readonly type: 'regression';
  readonly rmse: number | null;
  readonly mae: number | null;
  /** Null when the labels are constant. */
  readonly r2: number | null;
  /** ROC AUC of the prediction as a score for `label > positiveAbove`; null when that splits no rows. */
  readonly auc: number | null;
  /** F1 of the decision `prediction > positiveAbove` against `label > positiveAbove`; 0 when undefined. */
  readonly f1: number;
  readonly positiveAbove: number;
  /** The decision threshold on the prediction, when chosen on validation. */
  readonly threshold?: number;
  readonly rows: number;
  /** Rows with `label > positiveAbove`. */
  readonly positives: number;
}

export type { MulticlassTaskMetrics } from './multiclass-metrics.ts';

/** Metrics of one task of any type; `type` tells them apart. */
export type TaskMetrics = BinaryTaskMetrics | RegressionTaskMetrics | MulticlassTaskMetrics;

/**
 * Every SPEC §5 metric of a binary task: `scores` are probabilities of the positive class, `labels` 0/1 on the
 * labelled rows only, `threshold` the decision threshold (from `chooseF1Threshold` on validation). O(n log n).
 */
export function evaluateBinaryTask(
  scores: NumericVector,
  labels: NumericVector,
  threshold: number,
): BinaryTaskMetrics {
  checkMetricInput(scores, labels, { binaryLabels: true });
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  return {
    type: 'binary',
    auc: computeAuc(scores, labels),
    prAuc: computePrAuc(scores, labels),
    ...computeThresholdMetrics(scores, labels, threshold),
    logLoss: computeLogLoss(scores, labels),
    brier: computeBrier(scores, labels),
    ece: computeEce(scores, labels),
    threshold,
    rows: labels.length,
    positives,
  };
}

/**
 * Every SPEC §5 metric of a regression task: rmse/mae/r2 of `predictions` against `labels`, plus auc and f1 of the
 * prediction read as a score for the binary event `label > positiveAbove`. The f1 decision is
 * `prediction >= decisionThreshold` when one is given (chosen on validation, like a binary task's threshold), else
 * `prediction > positiveAbove`. O(n log n).
 */
export function evaluateRegressionTask(
  predictions: NumericVector,
  labels: NumericVector,
  positiveAbove: number,
  decisionThreshold?: number,
): RegressionTaskMetrics {
  checkMetricInput(predictions, labels, { what: 'predictions' });
  const events = new Float64Array(labels.length);
  const decisions = new Float64Array(labels.length);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    if ((labels[i] as number) > positiveAbove) {
      events[i] = 1;
      positives++;
    }
    const prediction = predictions[i] as number;
    if (decisionThreshold === undefined ? prediction > positiveAbove : prediction >= decisionThreshold) decisions[i] = 1;
  }
  return {
    type: 'regression',
    ...computeRegressionMetrics(predictions, labels),
    auc: computeAuc(predictions, events),
    // Decisions are 0/1, so `>= 1` is exactly the decision rule above.
    f1: computeThresholdMetrics(decisions, events, 1).f1,
    positiveAbove,
    ...(decisionThreshold === undefined ? {} : { threshold: decisionThreshold }),
    rows: labels.length,
    positives,
  };
}
