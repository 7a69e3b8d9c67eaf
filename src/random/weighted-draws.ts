import type { SeededRandom } from './seeded-random.ts';

/** Self-normalised importance weights: their running sums (the last is 1) and their effective sample size. */
export interface NormalisedWeights {
  readonly cumulative: Float64Array;
  /** (Σw)² / Σw²: how many equally weighted draws the weighted ones are worth; 0 when every weight is 0. */
  readonly effectiveSampleSize: number;
}

/** Normalises weights given as logs (scaled by the largest first, so that none overflows). */
export function normaliseLogWeights(logWeights: ArrayLike<number>): NormalisedWeights {
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logWeights.length; i++) top = Math.max(top, logWeights[i] as number);
  const cumulative = new Float64Array(logWeights.length);
  if (top === Number.NEGATIVE_INFINITY) return { cumulative, effectiveSampleSize: 0 };
  let total = 0;
  let squares = 0;
  for (let i = 0; i < logWeights.length; i++) {
    const w = Math.exp((logWeights[i] as number) - top);
    total += w;
    squares += w * w;
    cumulative[i] = total;
  }
  for (let i = 0; i < cumulative.length; i++) cumulative[i] = (cumulative[i] as number) / total;
  return { cumulative, effectiveSampleSize: (total * total) / squares };
}

/** The index of one draw in proportion to the weights whose running sums are `cumulative`. */
export function pickCumulative(random: SeededRandom, cumulative: Float64Array): number {
  const u = random.next() * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
