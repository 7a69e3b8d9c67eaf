import type { RawRow } from '../data/labelled-row.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { createBatchStabilityCounts } from './batch-stability-counts.ts';
import type { CustomerPrediction } from './score-rows.ts';

/** A scored batch's population stability against the training population (`score --json`'s `stability`). */
export interface BatchStability {
  /** PSI per feature column: the batch's rows against the training split's, over the column's training bins. */
  readonly features: Record<string, number>;
  /** PSI per served task: the batch's scores against the held-out scores, per decile. */
  readonly scores: Record<string, number>;
  /** One line per PSI above the threshold, the largest first. */
  readonly warnings: string[];
}

/** Arguments of {@link measureBatchStability}. */
export interface BatchStabilityOptions {
  /** PSI above which a feature or score is reported as shifted. @default psiWarningThreshold (0.2) */
  readonly threshold?: number;
}

/**
 * Measures how far a scored batch has moved from the population the model was trained on: the PSI of every
 * feature (over the training bins) and every task score (over the held-out deciles), with a warning for each above
 * `threshold`. An empty batch gives no PSI. O(rows · columns).
 */
export function measureBatchStability(
  baseline: StabilityBaseline,
  rows: readonly RawRow[],
  predictions: readonly CustomerPrediction[],
  options: BatchStabilityOptions = {},
): BatchStability {
  const counts = createBatchStabilityCounts(baseline, options);
  counts.add(rows, predictions);
  return counts.result();
}
