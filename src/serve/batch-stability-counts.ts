import type { RawRow, RawValue } from '../data/labelled-row.ts';
import type { ColumnCells } from '../features/encode-columns.ts';
import { countFeatureBins, type FeatureBinLayout } from '../features/feature-bins.ts';
import { assignDecile } from '../metrics/decile.ts';
import { computePsi, psiWarningThreshold } from '../metrics/population-stability.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import type { BatchStability, BatchStabilityOptions } from './batch-stability.ts';
import type { CustomerPrediction } from './score-rows.ts';
import type { ScoredBatch } from './scored-batch.ts';

/** Population stability of a batch scored chunk by chunk: bin counts summed per chunk, PSI at the end. */
export interface BatchStabilityCounts {
  /** Counts one chunk's rows (into the feature bins) and its predictions (into the score deciles). O(rows · columns). */
  add(rows: readonly RawRow[], predictions: readonly CustomerPrediction[]): void;
  /**
   * The same for a chunk scored in columns: its feature bin counts (see {@link createFeatureBinCounter}, which may
   * have run in another thread) and its scores.
   */
  addBatch(featureCounts: Readonly<Record<string, readonly number[]>>, batch: ScoredBatch): void;
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
  const addCounts = (name: string, counts: readonly number[]): void => {
    const total = featureCounts.get(name);
    if (total === undefined) featureCounts.set(name, [...counts]);
    else counts.forEach((count, bin) => (total[bin] = (total[bin] as number) + count));
  };
  return {
    addBatch(counts, batch) {
      for (const [name, chunkCounts] of Object.entries(counts)) addCounts(name, chunkCounts);
      for (const [task, bins] of Object.entries(baseline.scores)) {
        const counts = scoreCounts.get(task) as number[];
        const scores = batch.tasks.find((column) => column.name === task)?.scores;
        if (scores === undefined) continue;
        for (let i = 0; i < batch.rows; i++) {
          const score = scores[i] as number;
          if (Number.isNaN(score)) continue;
          const bin = assignDecile(score, bins.edges) - 1;
          counts[bin] = (counts[bin] as number) + 1;
        }
      }
    },
    add(rows, predictions) {
      for (const [name, bins] of Object.entries(baseline.features)) {
        addCounts(name, countFeatureBins(bins, name, rows));
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

/**
 * Counts the cells of a chunk in columns into the baseline's feature bins: the rows `kept` (indices into `cells`,
 * ascending; all `rows` when absent). Each distinct value is binned once (countFeatureBins of that cell alone), so
 * the counts equal countFeatureBins over the same rows. Needs only the baseline's features, so it can run where the
 * chunks are read.
 */
export function createFeatureBinCounter(features: StabilityBaseline['features']): (cells: ColumnCells, rows: number, kept: readonly number[] | undefined) => Record<string, number[]> {
  const binners = Object.entries(features).map(([name, bins]) => [name, bins, valueBinner(bins, name)] as const);
  return (cells, rows, kept) => {
    const result: Record<string, number[]> = {};
    const count = kept?.length ?? rows;
    for (const [name, bins, binOf] of binners) {
      const values = cells.get(name);
      const counts = countFeatureBins(bins, name, []);
      for (let i = 0; i < count; i++) {
        const bin = binOf(values?.[kept === undefined ? i : (kept[i] as number)] ?? null);
        counts[bin] = (counts[bin] as number) + 1;
      }
      result[name] = counts;
    }
    return result;
  };
}

/** Distinct values binned per column and remembered (yes/no and categorical cells repeat; numbers often do). */
const maxCachedValues = 4096;

/** A column's bin of one cell: countFeatureBins of that cell alone, remembered for up to 4096 distinct values. */
function valueBinner(bins: FeatureBinLayout, name: string): (value: RawValue) => number {
  const known = new Map<RawValue, number>();
  const row: RawRow = { [name]: null };
  const rows = [row];
  return (value) => {
    let bin = known.get(value);
    if (bin === undefined) {
      row[name] = value;
      bin = countFeatureBins(bins, name, rows).indexOf(1);
      if (known.size < maxCachedValues) known.set(value, bin);
    }
    return bin;
  };
}
