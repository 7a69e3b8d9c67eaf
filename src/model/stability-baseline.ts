import type { FeatureBins } from '../features/feature-bins.ts';

/** A task's score distribution, binned by its decile edges (10 bins, decile 1 first). */
export interface ScoreBins {
  /** The task's 9 decile edges (the card's `decileEdges`). */
  readonly edges: readonly number[];
  /** Held-out (validation + test) rows per decile: the population the edges came from, what batches are compared with. */
  readonly heldOut: readonly number[];
  /** Training-split rows per decile. */
  readonly train: readonly number[];
  /** Test-split rows per decile. */
  readonly test: readonly number[];
}

/**
 * `models/<id>/stability.json`: the training population's distributions, binned, so that a scored batch's
 * population stability index (PSI) can be measured against them. Models saved before it have none.
 */
export interface StabilityBaseline {
  readonly version: 1;
  /** Rows behind the counts: training split (features, `train`), validation + test (`heldOut`), test. */
  readonly rows: { readonly train: number; readonly heldOut: number; readonly test: number };
  /** Per feature column of the preprocessor, its bins and training-split counts. */
  readonly features: Readonly<Record<string, FeatureBins>>;
  /** Per served task, its score bins. */
  readonly scores: Readonly<Record<string, ScoreBins>>;
}

/** The file name of the stability baseline in a model folder. */
export const stabilityFileName = 'stability.json';
