import type { SeededRandom } from '../../random/seeded-random.ts';
import { isParamActive, orderSearchSpace, type JsonValue, type ParamSpec, type Sample, type SearchSpace } from '../search-space.ts';
import { createCallRandom, type Sampler } from './sampler.ts';
import { drawFlatDirichlet } from './simplex-kernel-density.ts';

/** Random search: every active parameter drawn independently from its prior; the history is ignored. */
export function createRandomSampler(seed: number): Sampler {
  const nextRandom = createCallRandom(seed);
  return { sample: (space) => drawFromPrior(space, nextRandom()) };
}

/**
 * One sample from the space's prior: categorical uniform over the choices, float uniform (log-uniform with
 * `log`), int uniform over the grid (log-uniform then rounded with `log`), simplex flat Dirichlet. Conditional
 * parameters are drawn only when active.
 */
export function drawFromPrior(space: SearchSpace, random: SeededRandom): Sample {
  const sample: Record<string, JsonValue> = {};
  for (const name of orderSearchSpace(space)) {
    const spec = space[name] as ParamSpec;
    if (isParamActive(spec, sample)) sample[name] = drawParamFromPrior(spec, random);
  }
  return sample;
}

/** One value of one parameter from its prior (see {@link drawFromPrior}). */
export function drawParamFromPrior(spec: ParamSpec, random: SeededRandom): JsonValue {
  switch (spec.type) {
    case 'categorical':
      return spec.choices[random.int(spec.choices.length)] as JsonValue;
    case 'float': {
      if (spec.log !== true) return Math.min(spec.high, spec.low + random.next() * (spec.high - spec.low));
      const [low, high] = [Math.log(spec.low), Math.log(spec.high)];
      return clamp(Math.exp(low + random.next() * (high - low)), spec.low, spec.high);
    }
    case 'int': {
      const step = spec.step ?? 1;
      if (spec.log !== true) return spec.low + step * random.int((spec.high - spec.low) / step + 1);
      // Log-uniform over the widened range, then rounded: each integer gets the log-width of its own cell.
      const [low, high] = [Math.log(spec.low - 0.5), Math.log(spec.high + 0.5)];
      return clamp(Math.round(Math.exp(low + random.next() * (high - low))), spec.low, spec.high);
    }
    case 'simplex':
      return drawFlatDirichletWeights(spec.keys, random);
  }
}

/** Weights `{key: w}` uniform on the simplex (flat Dirichlet). */
export function drawFlatDirichletWeights(keys: readonly string[], random: SeededRandom): Record<string, number> {
  const weights = drawFlatDirichlet(keys.length, random);
  return Object.fromEntries(keys.map((key, i) => [key, weights[i] as number]));
}

/** `value` limited to [low, high]. */
export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
