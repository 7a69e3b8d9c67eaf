import type { SeededRandom } from '../../random/seeded-random.ts';
import {
  choiceIndex,
  isParamActive,
  orderSearchSpace,
  type CategoricalParam,
  type FloatParam,
  type IntParam,
  type JsonValue,
  type ParamSpec,
  type SimplexParam,
} from '../search-space.ts';
import { fitCategoricalParzenEstimator, fitNumericParzenEstimator, pickIndex } from './parzen-estimator.ts';
import { clamp, drawFromPrior } from './random-sampler.ts';
import { createCallRandom, type SampledTrial, type Sampler } from './sampler.ts';
import { fitSimplexKernelDensity } from './simplex-kernel-density.ts';

/** Options of {@link createTpeSampler}. */
export interface TpeSamplerOptions {
  /**
   * Scored trials drawn at random before the estimators take over.
   * @default 8
   */
  readonly startupTrials?: number;
  /**
   * Share of a parameter's scored trials that count as good (the best ⌈γ·n⌉, at least one).
   * @default 0.25
   */
  readonly gamma?: number;
  /**
   * Candidates drawn from the good density per parameter; the one with the highest l(x)/g(x) is kept.
   * @default 24
   */
  readonly candidates?: number;
  /**
   * Weight of the prior component against 1 per observation.
   * @default 1
   */
  readonly priorWeight?: number;
}

/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011), independent per parameter as Optuna's default TPE:
 * each active parameter is modelled over the past trials in which it was active; those with a score are split
 * at the γ quantile into good and bad, trials without a score (failed, pruned) count as bad. Parzen estimators
 * l (good) and g (bad) are fitted, `candidates` values drawn from l, and the one maximising l(x)/g(x) kept.
 * Conditional parameters are drawn after their parent, only when active, so the space is walked as a tree.
 * Until `startupTrials` trials have a score, samples come from the prior (as random search).
 */
export function createTpeSampler(seed: number, options: TpeSamplerOptions = {}): Sampler {
  const { startupTrials = 8, gamma = 0.25, candidates = 24, priorWeight = 1 } = options;
  const nextRandom = createCallRandom(seed);
  return {
    sample(space, history) {
      const random = nextRandom();
      const scored = history.filter((trial) => hasScore(trial.score)).length;
      if (scored < startupTrials) return drawFromPrior(space, random);
      const sample: Record<string, JsonValue> = {};
      for (const name of orderSearchSpace(space)) {
        const spec = space[name] as ParamSpec;
        if (!isParamActive(spec, sample)) continue;
        const split = splitObservations(name, spec, history, gamma);
        sample[name] = suggestParam(spec, split, { random, candidates, priorWeight });
      }
      return sample;
    },
  };
}

/** A parameter's past values (in the sampler's encoding) split into good and bad trials. */
interface SplitObservations<T> {
  readonly good: T[];
  readonly bad: T[];
}

interface SuggestContext {
  readonly random: SeededRandom;
  readonly candidates: number;
  readonly priorWeight: number;
}

function hasScore(score: number | null): score is number {
  return score !== null && Number.isFinite(score);
}

/** Trials in which the parameter was active with a value valid for its spec, best ⌈γ·n⌉ scored ones first. */
function splitObservations(name: string, spec: ParamSpec, history: readonly SampledTrial[], gamma: number): SplitObservations<JsonValue> {
  const scored: { value: JsonValue; score: number; order: number }[] = [];
  const unscored: JsonValue[] = [];
  history.forEach((trial, order) => {
    const value = trial.sample[name];
    if (value === undefined || encode(spec, value) === undefined) return;
    if (hasScore(trial.score)) scored.push({ value, score: trial.score, order });
    else unscored.push(value);
  });
  // Ties keep history order, so the split does not depend on sort stability.
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const goodCount = scored.length === 0 ? 0 : Math.min(scored.length, Math.max(1, Math.ceil(gamma * scored.length)));
  return {
    good: scored.slice(0, goodCount).map((s) => s.value),
    bad: [...scored.slice(goodCount).map((s) => s.value), ...unscored],
  };
}

/** A value in the estimator's space: a choice index, a (log) number, a weight vector; undefined when not valid for the spec. */
function encode(spec: ParamSpec, value: JsonValue): number | number[] | undefined {
  switch (spec.type) {
    case 'categorical': {
      const index = choiceIndex(spec, value);
      return index < 0 ? undefined : index;
    }
    case 'float':
    case 'int':
      if (typeof value !== 'number' || !(value >= spec.low && value <= spec.high)) return undefined;
      return spec.log === true ? Math.log(value) : value;
    case 'simplex': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      const record = value as Record<string, JsonValue>;
      const weights = spec.keys.map((key) => record[key]);
      if (!weights.every((w): w is number => typeof w === 'number' && w >= 0)) return undefined;
      const total = weights.reduce((sum, w) => sum + w, 0);
      return total > 0 ? weights.map((w) => w / total) : undefined;
    }
  }
}

function suggestParam(spec: ParamSpec, split: SplitObservations<JsonValue>, context: SuggestContext): JsonValue {
  const encodeAll = <T>(values: readonly JsonValue[]) => values.map((v) => encode(spec, v) as T);
  switch (spec.type) {
    case 'categorical':
      return suggestCategorical(spec, encodeAll<number>(split.good), encodeAll<number>(split.bad), context);
    case 'float':
      return suggestFloat(spec, encodeAll<number>(split.good), encodeAll<number>(split.bad), context);
    case 'int':
      return suggestInt(spec, encodeAll<number>(split.good), encodeAll<number>(split.bad), context);
    case 'simplex':
      return suggestSimplex(spec, encodeAll<number[]>(split.good), encodeAll<number[]>(split.bad), context);
  }
}

/** Draws candidates and keeps the first one with the highest log l − log g. */
function bestCandidate<T>(draw: () => T, logRatio: (candidate: T) => number, count: number): T {
  let best = draw();
  let bestRatio = logRatio(best);
  for (let i = 1; i < count; i++) {
    const candidate = draw();
    const ratio = logRatio(candidate);
    if (ratio > bestRatio) [best, bestRatio] = [candidate, ratio];
  }
  return best;
}

function suggestCategorical(spec: CategoricalParam, good: number[], bad: number[], context: SuggestContext): JsonValue {
  const l = fitCategoricalParzenEstimator(good, spec.choices.length, context.priorWeight);
  const g = fitCategoricalParzenEstimator(bad, spec.choices.length, context.priorWeight);
  const index = bestCandidate(
    () => pickIndex(l, context.random),
    (i) => Math.log(l[i] as number) - Math.log(g[i] as number),
    context.candidates,
  );
  return spec.choices[index] as JsonValue;
}

function suggestFloat(spec: FloatParam, good: number[], bad: number[], context: SuggestContext): number {
  const log = spec.log === true;
  const [low, high] = log ? [Math.log(spec.low), Math.log(spec.high)] : [spec.low, spec.high];
  const l = fitNumericParzenEstimator(good, low, high, context.priorWeight);
  const g = fitNumericParzenEstimator(bad, low, high, context.priorWeight);
  const x = bestCandidate(() => l.sample(context.random), (t) => l.logDensity(t) - g.logDensity(t), context.candidates);
  return clamp(log ? Math.exp(x) : x, spec.low, spec.high);
}

/**
 * Integers are modelled as continuous over the range widened by half a step on each side (in log space for log
 * parameters), so every value owns one cell; candidates are rounded to the grid and compared by their cells' mass.
 */
function suggestInt(spec: IntParam, good: number[], bad: number[], context: SuggestContext): number {
  const step = spec.step ?? 1;
  const transform = spec.log === true ? Math.log : (v: number) => v;
  const untransform = spec.log === true ? Math.exp : (t: number) => t;
  const cell = (v: number): [number, number] => [transform(v - step / 2), transform(v + step / 2)];
  const [low] = cell(spec.low);
  const [, high] = cell(spec.high);
  const l = fitNumericParzenEstimator(good, low, high, context.priorWeight);
  const g = fitNumericParzenEstimator(bad, low, high, context.priorWeight);
  const toGrid = (t: number): number => clamp(spec.low + step * Math.round((untransform(t) - spec.low) / step), spec.low, spec.high);
  return bestCandidate(
    () => toGrid(l.sample(context.random)),
    (v) => l.logMass(...cell(v)) - g.logMass(...cell(v)),
    context.candidates,
  );
}

function suggestSimplex(spec: SimplexParam, good: number[][], bad: number[][], context: SuggestContext): Record<string, number> {
  const dimension = spec.keys.length;
  const l = fitSimplexKernelDensity(good, dimension, context.priorWeight);
  const g = fitSimplexKernelDensity(bad, dimension, context.priorWeight);
  const x = bestCandidate(() => l.sample(context.random), (p) => l.logDensity(p) - g.logDensity(p), context.candidates);
  return Object.fromEntries(spec.keys.map((key, i) => [key, x[i] as number]));
}
