import { computePearson } from '../metrics/pearson-correlation.ts';

export { computePearson };

/**
 * Ranks 1..n of `values` in ascending order, tied values sharing the mean of the ranks they span (the "fractional"
 * ranking Spearman's ρ needs). O(n log n).
 */
export function rankWithTies(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[(order[k] as { index: number }).index] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation ρ of paired samples: Pearson's correlation of their tie-averaged ranks, in [−1, 1].
 * Null when either sample is constant or there are fewer than 2 pairs.
 */
export function computeSpearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`spearman: samples differ in length (${xs.length} and ${ys.length})`);
  return computePearson(rankWithTies(xs), rankWithTies(ys));
}
