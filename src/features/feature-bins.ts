import type { RawRow } from '../data/labelled-row.ts';
import { binOfValue, computeDecileEdges } from '../metrics/decile.ts';
import { isMissing, parseBooleanWord, parseNumber } from './column-kind.ts';
import type { PreprocessedColumn, Preprocessor } from './preprocessor.ts';

/**
 * How one feature column's values fall into bins, with the training rows' count per bin: what a scored batch is
 * compared with (population stability). Numeric: the training deciles' cut points (ties merged, so possibly fewer
 * than 10 bins), then one bin of missing or non-numeric cells. Yes/no: no, yes, missing. Categorical: the model's
 * vocabulary, then the out-of-vocabulary bucket (rare, unseen and missing values, as the model encodes them).
 */
export type FeatureBins = FeatureBinLayout & { readonly counts: readonly number[] };

/** The bins of a column without counts: numeric cut points, yes/no, or the categorical vocabulary. */
export type FeatureBinLayout =
  | { readonly kind: 'numeric'; readonly edges: readonly number[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'categorical'; readonly categories: readonly string[] };

/** Fits the bins of every preprocessor column on the training rows and counts those rows into them. */
export function fitFeatureBins(preprocessor: Preprocessor, rows: readonly RawRow[]): Record<string, FeatureBins> {
  const bins: Record<string, FeatureBins> = {};
  for (const column of preprocessor.columns) {
    const layout = fitLayout(column, rows);
    bins[column.name] = { ...layout, counts: countFeatureBins(layout, column.name, rows) } as FeatureBins;
  }
  return bins;
}

/** Counts `rows` into a column's bins (the same layout as its training counts). O(rows · log bins). */
export function countFeatureBins(bins: FeatureBinLayout, name: string, rows: readonly RawRow[]): number[] {
  switch (bins.kind) {
    case 'numeric': {
      const { edges } = bins;
      const counts = new Array<number>(edges.length + 2).fill(0);
      for (const row of rows) {
        const value = row[name];
        const number = isMissing(value) ? undefined : parseNumber(value);
        increment(counts, number === undefined ? edges.length + 1 : binOfValue(number, edges));
      }
      return counts;
    }
    case 'boolean': {
      const counts = [0, 0, 0];
      for (const row of rows) {
        const value = row[name] ?? null;
        const word = parseBooleanWord(value);
        const number = parseNumber(value);
        const yes = word ?? (number === 0 || number === 1 ? number === 1 : undefined);
        increment(counts, yes === undefined ? 2 : yes ? 1 : 0);
      }
      return counts;
    }
    case 'categorical': {
      const { categories } = bins;
      const index = new Map(categories.map((category, i) => [category, i]));
      const counts = new Array<number>(categories.length + 1).fill(0);
      for (const row of rows) {
        const value = row[name];
        increment(counts, isMissing(value) ? categories.length : (index.get(String(value).trim()) ?? categories.length));
      }
      return counts;
    }
  }
}

function increment(counts: number[], bin: number): void {
  counts[bin] = (counts[bin] as number) + 1;
}

function fitLayout(column: PreprocessedColumn, rows: readonly RawRow[]): FeatureBinLayout {
  switch (column.kind) {
    case 'numeric': {
      const values: number[] = [];
      for (const row of rows) {
        const value = row[column.name];
        const number = isMissing(value) ? undefined : parseNumber(value);
        if (number !== undefined) values.push(number);
      }
      const edges = values.length === 0 ? [] : [...new Set(computeDecileEdges(values))];
      return { kind: 'numeric', edges };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'categorical':
      return { kind: 'categorical', categories: column.vocabulary };
  }
}
