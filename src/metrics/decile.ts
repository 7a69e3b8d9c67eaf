import { TandemError } from '../errors/tandem-error.ts';
import type { NumericVector } from './metric-input.ts';

/** Number of cut points between ten deciles. */
export const DECILE_EDGE_COUNT = 9;

/**
 * The 10 %, 20 %, …, 90 % quantiles of `scores`, ascending, with linear interpolation between order statistics
 * (numpy's default: position q·(n − 1)). Stored with a model so that scoring and the API rank new rows against
 * the same population. Throws on an empty or non-finite input. O(n log n).
 */
export function computeDecileEdges(scores: NumericVector): number[] {
  if (scores.length === 0) throw new TandemError('decile edges: no scores to cut');
  const sorted = Float64Array.from(scores).sort();
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) {
      throw new TandemError(`decile edges: a score is ${sorted[i]}, expected a finite number`, { value: sorted[i] });
    }
  }
  const edges: number[] = [];
  for (let d = 1; d <= DECILE_EDGE_COUNT; d++) {
    const position = (d / 10) * (sorted.length - 1);
    const below = Math.floor(position);
    const low = sorted[below] as number;
    const high = sorted[Math.min(below + 1, sorted.length - 1)] as number;
    edges.push(low + (high - low) * (position - below));
  }
  return edges;
}

/**
 * The decile of `score` among the population the `edges` came from: 1 for the lowest 10 % of scores, 10 for the
 * highest. A score equal to an edge goes to the decile above it (so a score at the 90 % quantile is in decile 10),
 * and a run of equal edges sends tied scores to the highest decile the tie reaches.
 */
export function assignDecile(score: number, edges: readonly number[]): number {
  if (edges.length !== DECILE_EDGE_COUNT) {
    throw new TandemError(`decile: expected ${DECILE_EDGE_COUNT} edges, got ${edges.length}`, { value: edges });
  }
  if (Number.isNaN(score)) throw new TandemError('decile: score is NaN', { value: score });
  return binOfValue(score, edges) + 1;
}

/**
 * The bin of `value` among ascending cut points: the number of edges at or below it (0..edges.length), so a value
 * equal to an edge goes to the bin above it, as deciles do. A binary search, O(log edges).
 */
export function binOfValue(value: number, edges: readonly number[]): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Median with linear interpolation (NaN when empty); sorts `values` in place (a typed-array sort, no comparator). */
export function medianOf(values: Float64Array): number {
  values.sort();
  const position = (values.length - 1) / 2;
  const low = values[Math.floor(position)] as number;
  const high = values[Math.ceil(position)] as number;
  return low + (high - low) * (position - Math.floor(position));
}
