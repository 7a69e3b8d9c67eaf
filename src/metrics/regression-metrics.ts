import { checkMetricInput, type NumericVector } from './metric-input.ts';

/** Error of numeric predictions against numeric labels. */
export interface RegressionMetrics {
  /** Root mean squared error; null when there are no rows. */
  readonly rmse: number | null;
  /** Mean absolute error; null when there are no rows. */
  readonly mae: number | null;
  /** Coefficient of determination 1 − SS_res / SS_tot; null when the labels are constant (or absent). */
  readonly r2: number | null;
}

/** RMSE, MAE and R² of `predictions` against `labels`. Two passes, O(n). */
export function computeRegressionMetrics(predictions: NumericVector, labels: NumericVector): RegressionMetrics {
  checkMetricInput(predictions, labels, { what: 'predictions' });
  const n = predictions.length;
  if (n === 0) return { rmse: null, mae: null, r2: null };
  let labelSum = 0;
  let labelMin = Infinity;
  let labelMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    labelSum += label;
    labelMin = Math.min(labelMin, label);
    labelMax = Math.max(labelMax, label);
  }
  const labelMean = labelSum / n;
  let squaredErrorSum = 0;
  let absoluteErrorSum = 0;
  let totalSquares = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    const error = (predictions[i] as number) - label;
    squaredErrorSum += error * error;
    absoluteErrorSum += Math.abs(error);
    totalSquares += (label - labelMean) * (label - labelMean);
  }
  return {
    rmse: Math.sqrt(squaredErrorSum / n),
    mae: absoluteErrorSum / n,
    // Test constancy on the labels themselves: a rounded mean can leave SS_tot a hair above 0.
    r2: labelMin === labelMax ? null : 1 - squaredErrorSum / totalSquares,
  };
}
