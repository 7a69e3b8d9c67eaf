import type { RawRow } from '../data/labelled-row.ts';
import { countFeatureBins } from '../features/feature-bins.ts';
import { assignDecile } from '../metrics/decile.ts';
import { computePsi, psiWarningThreshold } from '../metrics/population-stability.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import type { BatchStability, BatchStabilityOptions } from './batch-stability.ts';
import type { CustomerPrediction } from './score-rows.ts';

/** Population stability of a batch scored chunk by chunk: bin counts summed per chunk, PSI at the end. */
export interface BatchStabilityCounts {
  /** Counts one chunk's rows (into the feature bins) and its predictions (into the score deciles). O(rows · columns). */
  add(rows: readonly RawRow[], predictions: readonly CustomerPrediction[]): void;
  /** The batch's stability so far, as `measureBatchStability` gives it for all the rows at once. */
  result(): BatchStability;
}

/**
 * Starts counting a batch against `baseline` in bounded memory: per feature its training bins, per task its held-out
 * deciles, so a batch of any size needs only the counts. `result()` equals `measureBatchStability` over every row added.
 */
export function createBatchStabilityCounts(baseline: StabilityBaseline, { threshold = psiWarningThreshold }: BatchStabilityOptions = {}): BatchStabilityCounts {
  const featureCounts = new Map<string, number[]>();
  const scoreCounts = new Map<string, number[]>(Object.keys(baseline.scores).map((task) => [task, new Array<number>(10).fill(0)]));
  return {
    add(rows, predictions) {
      for (const [name, bins] of Object.entries(baseline.features)) {
        const counts = countFeatureBins(bins, name, rows);
        const total = featureCounts.get(name);
        if (total === undefined) featureCounts.set(name, counts);
        else counts.forEach((count, bin) => (total[bin] = (total[bin] as number) + count));
      }
      for (const [task, bins] of Object.entries(baseline.scores)) {
        const counts = scoreCounts.get(task) as number[];
        for (const prediction of predictions) {
          const score = prediction.scores[task];
          if (score === undefined || Number.isNaN(score)) continue;
          const bin = assignDecile(score, bins.edges) - 1;
          counts[bin] = (counts[bin] as number) + 1;
        }
      }
    },
    result() {
      const features: Record<string, number> = {};
      const scores: Record<string, number> = {};
      const shifted: { psi: number; line: string }[] = [];
      for (const [name, bins] of Object.entries(baseline.features)) {
        const psi = computePsi(bins.counts, featureCounts.get(name) ?? countFeatureBins(bins, name, []));
        if (psi === null) continue;
        features[name] = psi;
        if (psi > threshold) shifted.push({ psi, line: `feature "${name}": PSI ${psi.toFixed(3)} > ${threshold} (its distribution shifted since training)` });
      }
      for (const [task, bins] of Object.entries(baseline.scores)) {
        const psi = computePsi(bins.heldOut, scoreCounts.get(task) as number[]);
        if (psi === null) continue;
        scores[task] = psi;
        if (psi > threshold) shifted.push({ psi, line: `score "${task}": PSI ${psi.toFixed(3)} > ${threshold} (its deciles no longer hold a tenth of the customers each)` });
      }
      return { features, scores, warnings: shifted.sort((a, b) => b.psi - a.psi).map((s) => s.line) };
    },
  };
}
