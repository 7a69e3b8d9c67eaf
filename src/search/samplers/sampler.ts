import { createSeededRandom, type SeededRandom } from '../../random/seeded-random.ts';
import type { Sample, SearchSpace } from '../search-space.ts';

/** A finished trial as a sampler sees it. */
export interface SampledTrial {
  readonly sample: Sample;
  /** Validation combined score, higher is better; null when the trial failed or was pruned without a score. */
  readonly score: number | null;
}

/**
 * Proposes the next trial's parameters from the space and the trials so far.
 *
 * Samplers are seeded: the k-th call of a sampler created with a given seed, with the same space and history,
 * returns the same sample (each call draws from its own generator, derived from the seed and k). Successive calls
 * with an unchanged history (trials started in parallel) still return different samples.
 */
export interface Sampler {
  sample(space: SearchSpace, history: readonly SampledTrial[]): Sample;
}

/**
 * A generator per call: `seed` and the call's index mixed by a 32-bit hash (murmur3's finaliser), so neighbouring
 * seeds and indices give unrelated streams and one call's number of draws does not shift the next call's.
 */
export function createCallRandom(seed: number): () => SeededRandom {
  let calls = 0;
  return () => createSeededRandom(mixSeed(seed, calls++));
}

function mixSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
