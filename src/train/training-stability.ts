import type { RawRow } from '../data/labelled-row.ts';
import { fitFeatureBins } from '../features/feature-bins.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import { assignDecile } from '../metrics/decile.ts';
import type { NumericVector } from '../metrics/metric-input.ts';
import type { ScoreBins, StabilityBaseline } from '../model/stability-baseline.ts';

/** One served task's scores per split (multiclass: the top class's probability), `[rows]` each. */
export interface TaskSplitScores {
  readonly edges: readonly number[];
  readonly train: NumericVector;
  readonly validation: NumericVector;
  readonly test: NumericVector;
}

/**
 * The stability baseline of a trained candidate: its features binned on the training rows, and each served task's
 * scores per decile on train, held-out (validation + test) and test rows.
 */
export function buildStabilityBaseline(preprocessor: Preprocessor, trainRows: readonly RawRow[], scores: Readonly<Record<string, TaskSplitScores>>): StabilityBaseline {
  const scoreBins: Record<string, ScoreBins> = {};
  let heldOutRows = 0;
  let testRows = 0;
  for (const [task, split] of Object.entries(scores)) {
    const validation = countDeciles(split.validation, split.edges);
    const test = countDeciles(split.test, split.edges);
    scoreBins[task] = { edges: split.edges, heldOut: validation.map((count, i) => count + (test[i] as number)), train: countDeciles(split.train, split.edges), test };
    heldOutRows = split.validation.length + split.test.length;
    testRows = split.test.length;
  }
  return { version: 1, rows: { train: trainRows.length, heldOut: heldOutRows, test: testRows }, features: fitFeatureBins(preprocessor, trainRows), scores: scoreBins };
}

/** Rows per decile (10 counts, decile 1 first). */
export function countDeciles(scores: NumericVector, edges: readonly number[]): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const score of scores) {
    if (Number.isNaN(score)) continue;
    const bin = assignDecile(score, edges) - 1;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}
