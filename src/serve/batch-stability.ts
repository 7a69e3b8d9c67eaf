import type { RawRow } from '../data/labelled-row.ts';
import { countFeatureBins } from '../features/feature-bins.ts';
import { assignDecile } from '../metrics/decile.ts';
import { computePsi, psiWarningThreshold } from '../metrics/population-stability.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
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
  /** PSI above which a feature or score is reported as shifted. @default 0.2 */
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
  { threshold = psiWarningThreshold }: BatchStabilityOptions = {},
): BatchStability {
  const features: Record<string, number> = {};
  const scores: Record<string, number> = {};
  const shifted: { psi: number; line: string }[] = [];
  for (const [name, bins] of Object.entries(baseline.features)) {
    const psi = computePsi(bins.counts, countFeatureBins(bins, name, rows));
    if (psi === null) continue;
    features[name] = psi;
    if (psi > threshold) shifted.push({ psi, line: `feature "${name}": PSI ${psi.toFixed(3)} > ${threshold} (its distribution shifted since training)` });
  }
  for (const [task, bins] of Object.entries(baseline.scores)) {
    const counts = new Array<number>(10).fill(0);
    for (const prediction of predictions) {
      const score = prediction.scores[task];
      if (score === undefined || Number.isNaN(score)) continue;
      const bin = assignDecile(score, bins.edges) - 1;
      counts[bin] = (counts[bin] as number) + 1;
    }
    const psi = computePsi(bins.heldOut, counts);
    if (psi === null) continue;
    scores[task] = psi;
    if (psi > threshold) shifted.push({ psi, line: `score "${task}": PSI ${psi.toFixed(3)} > ${threshold} (its deciles no longer hold a tenth of the customers each)` });
  }
  return { features, scores, warnings: shifted.sort((a, b) => b.psi - a.psi).map((s) => s.line) };
}
