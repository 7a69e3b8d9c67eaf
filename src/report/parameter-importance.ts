import { computeSpearman, rankWithTies } from './spearman-correlation.ts';

/** One trial as the importance measure sees it: its sampled parameters and its score. */
export interface ScoredSample {
  readonly sample: Readonly<Record<string, unknown>>;
  readonly score: number;
}

/** How much one searched parameter moved the score. */
export interface ParameterImportance {
  /** The parameter; a simplex (task weights) is split into one entry per task: `taskWeights.churn`. */
  readonly param: string;
  readonly kind: 'numeric' | 'categorical';
  /** |Spearman ρ| in [0, 1]; null when fewer than `minTrials` trials have the parameter or it or the score is constant. */
  readonly importance: number | null;
  /** Signed ρ (numeric: + means higher values scored higher); null with `importance`. */
  readonly correlation: number | null;
  /** Trials in which the parameter was active. */
  readonly trials: number;
}

/**
 * The report's parameter importance: for each searched parameter, the absolute Spearman rank correlation between its
 * value and the score over the trials where it was active. Numbers are used as they are; a categorical parameter
 * (strings, booleans, lists) is turned into numbers by replacing each category with the rank of its mean score, so
 * the measure asks "does the order of categories by score explain the scores?" — which flatters categoricals a
 * little (the order is fitted on the same trials). Objects (simplex task weights) are split per key. Parameters
 * absent from a trial (inactive conditionals) are skipped for that trial. Sorted by importance, unknown last.
 * `minTrials` (≥ 3) is the fewest trials a correlation is reported on.
 */
export function computeParameterImportance(samples: readonly ScoredSample[], { minTrials = 3 }: { minTrials?: number } = {}): ParameterImportance[] {
  const columns = new Map<string, { values: unknown[]; scores: number[] }>();
  for (const { sample, score } of samples) {
    if (!Number.isFinite(score)) continue;
    for (const [param, value] of flattenSample(sample)) {
      const column = columns.get(param) ?? { values: [], scores: [] };
      column.values.push(value);
      column.scores.push(score);
      columns.set(param, column);
    }
  }
  const results: ParameterImportance[] = [];
  for (const [param, { values, scores }] of columns) {
    const numeric = values.every((value) => typeof value === 'number' && Number.isFinite(value));
    const xs = numeric ? (values as number[]) : encodeCategoriesByMeanScore(values, scores);
    const correlation = values.length >= Math.max(minTrials, 3) ? computeSpearman(xs, scores) : null;
    results.push({
      param,
      kind: numeric ? 'numeric' : 'categorical',
      importance: correlation === null ? null : Math.abs(correlation),
      correlation,
      trials: values.length,
    });
  }
  return results.sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1) || a.param.localeCompare(b.param));
}

/** A sample's parameters as (name, value) pairs, objects split into `name.key`; null values are left out. */
function flattenSample(sample: Readonly<Record<string, unknown>>): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (const [param, value] of Object.entries(sample)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) if (inner !== null && inner !== undefined) pairs.push([`${param}.${key}`, inner]);
    } else pairs.push([param, value]);
  }
  return pairs;
}

/** Each value replaced by the rank (ties averaged) of its category's mean score among the categories. */
function encodeCategoriesByMeanScore(values: readonly unknown[], scores: readonly number[]): number[] {
  const keys = values.map((value) => JSON.stringify(value) ?? String(value));
  const sums = new Map<string, { total: number; count: number }>();
  keys.forEach((key, i) => {
    const entry = sums.get(key) ?? { total: 0, count: 0 };
    entry.total += scores[i] as number;
    entry.count++;
    sums.set(key, entry);
  });
  const categories = [...sums.keys()];
  const categoryRanks = rankWithTies(categories.map((key) => {
    const entry = sums.get(key) as { total: number; count: number };
    return entry.total / entry.count;
  }));
  const rankOf = new Map(categories.map((key, i) => [key, categoryRanks[i] as number]));
  return keys.map((key) => rankOf.get(key) as number);
}
