import type { SeededRandom } from './seeded-random.ts';

/** An index drawn in proportion to non-negative weights (the last index if rounding leaves a remainder). */
export function pickIndex(random: SeededRandom, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i] as number;
  let u = random.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Poisson draw: Knuth's product method for small means, a rounded normal for large ones. */
export function poisson(random: SeededRandom, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
  }
  return k;
}

/** Exponential draw with the given mean (a waiting time of a Poisson process with rate 1/mean). */
export function exponential(random: SeededRandom, mean: number): number {
  return -mean * Math.log(1 - random.next());
}
