import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSampleIssues, type Sample, type SearchSpace } from '../search-space.ts';
import { createRandomSampler } from './random-sampler.ts';
import type { SampledTrial, Sampler } from './sampler.ts';
import { samplerTestSpace } from './sampler-test-space.ts';
import { createTpeSampler } from './tpe-sampler.ts';

/** The toy objective of the issue: optimum at lr = 10^-2.5, dropout = 0.2, batch size 256 (+0.3). */
const toySpace: SearchSpace = {
  learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  batchSize: { type: 'categorical', choices: [64, 128, 256, 512] },
};

function lrDistance(sample: Sample): number {
  return Math.abs(Math.log10(sample.learningRate as number) + 2.5);
}

/** The toy objective; trials with dropout above 0.4 fail (no score). */
function toyScore(sample: Sample): number | null {
  const dropout = sample.dropout as number;
  if (dropout > 0.4) return null;
  return -(lrDistance(sample) ** 2) - (dropout - 0.2) ** 2 + (sample.batchSize === 256 ? 0.3 : 0);
}

/** A conditional objective: fixed weighting with task weights near the target is best. */
const weightingSpace: SearchSpace = {
  learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
  weighting: { type: 'categorical', choices: ['fixed', 'uncertainty'] },
  taskWeights: { type: 'simplex', keys: ['a', 'b', 'c'], when: { param: 'weighting', in: ['fixed'] } },
};
const targetWeights = { a: 0.6, b: 0.3, c: 0.1 };

function weightDistance(sample: Sample): number {
  const w = sample.taskWeights as Record<string, number>;
  return Math.hypot(w.a! - targetWeights.a, w.b! - targetWeights.b, w.c! - targetWeights.c);
}

function weightingScore(sample: Sample): number {
  return -(lrDistance(sample) ** 2) + (sample.weighting === 'fixed' ? 0.2 - 0.4 * weightDistance(sample) : 0);
}

/** Runs a sequential search of `trials` trials. */
function runSearch(sampler: Sampler, space: SearchSpace, trials: number, score: (s: Sample) => number | null): SampledTrial[] {
  const history: SampledTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const sample = sampler.sample(space, history);
    history.push({ sample, score: score(sample) });
  }
  return history;
}

const seeds = [1, 2, 3, 4, 5];
const tpeRuns = seeds.map((seed) => runSearch(createTpeSampler(seed), toySpace, 60, toyScore));
const randomRuns = seeds.map((seed) => runSearch(createRandomSampler(seed), toySpace, 60, toyScore));
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const bestScore = (run: readonly SampledTrial[]): number => Math.max(...run.map((t) => t.score ?? -Infinity));
/** Samples after the first 20 trials, over all seeds. */
const late = (runs: readonly SampledTrial[][]): Sample[] => runs.flatMap((run) => run.slice(20).map((t) => t.sample));

describe('createTpeSampler', () => {
  void it('finds a better best score than random search on the toy objective (mean over 5 seeds, 60 trials)', () => {
    const tpe = mean(tpeRuns.map(bestScore));
    const random = mean(randomRuns.map(bestScore));
    assert.ok(tpe > random, `TPE ${tpe.toFixed(4)} vs random ${random.toFixed(4)}`);
    // The optimum is 0.3: TPE's average gap to it is well under half of random search's.
    assert.ok(0.3 - tpe < 0.5 * (0.3 - random), `gap to the optimum: TPE ${(0.3 - tpe).toFixed(4)}, random ${(0.3 - random).toFixed(4)}`);
  });

  void it('concentrates its samples near the optimum after startup', () => {
    const [tpe, random] = [late(tpeRuns), late(randomRuns)];
    const share256 = (samples: Sample[]) => samples.filter((s) => s.batchSize === 256).length / samples.length;
    assert.ok(share256(tpe) > 0.6 && share256(random) < 0.35, `batch 256: TPE ${share256(tpe)}, random ${share256(random)}`);
    assert.ok(mean(tpe.map(lrDistance)) < 0.5 * mean(random.map(lrDistance)), 'learning rate');
    const dropoutError = (samples: Sample[]) => mean(samples.map((s) => Math.abs((s.dropout as number) - 0.2)));
    assert.ok(dropoutError(tpe) < 0.7 * dropoutError(random), 'dropout');
  });

  void it('learns a conditional parameter (task weights under fixed weighting) and its condition', () => {
    const tpeLate = late(seeds.map((seed) => runSearch(createTpeSampler(seed), weightingSpace, 60, weightingScore)));
    const randomLate = late(seeds.map((seed) => runSearch(createRandomSampler(seed), weightingSpace, 60, weightingScore)));
    const fixed = (samples: Sample[]) => samples.filter((s) => s.weighting === 'fixed');
    assert.ok(fixed(tpeLate).length > 0.8 * tpeLate.length, `fixed weighting in ${fixed(tpeLate).length} of ${tpeLate.length}`);
    for (const sample of tpeLate) assert.equal('taskWeights' in sample, sample.weighting === 'fixed');
    const tpeDistance = mean(fixed(tpeLate).map(weightDistance));
    const randomDistance = mean(fixed(randomLate).map(weightDistance));
    assert.ok(tpeDistance < 0.6 * randomDistance, `distance to the best weights: TPE ${tpeDistance}, random ${randomDistance}`);
  });

  void it('steers away from trials that failed without a score', () => {
    const failedShare = (runs: SampledTrial[][]) => runs.flatMap((run) => run.slice(20)).filter((t) => t.score === null).length / (runs.length * 40);
    assert.ok(failedShare(tpeRuns) < 0.5 * failedShare(randomRuns), `TPE ${failedShare(tpeRuns)}, random ${failedShare(randomRuns)}`);
  });

  void it('samples from the prior, as random search, until startupTrials trials have a score', () => {
    const history: SampledTrial[] = randomRuns[0]!.slice(0, 12).map((trial, i) => ({ sample: trial.sample, score: i < 7 ? 1 : null }));
    const tpe = createTpeSampler(9, { startupTrials: 8 });
    const random = createRandomSampler(9);
    for (let i = 0; i < 3; i++) assert.deepEqual(tpe.sample(toySpace, history), random.sample(toySpace, history));
    const scored = history.map((trial) => ({ ...trial, score: 1 }));
    assert.notDeepEqual(createTpeSampler(9, { startupTrials: 8 }).sample(toySpace, scored), createRandomSampler(9).sample(toySpace, scored));
  });

  void it('respects bounds, steps, log ranges and conditions in every sample', () => {
    const score = (s: Sample): number | null => (s.arch === 'single' ? null : -Math.abs((s.dropout as number) - 0.1) + (s.extra === null ? 0.2 : 0));
    const history = runSearch(createTpeSampler(11, { startupTrials: 5 }), samplerTestSpace, 80, score);
    for (const { sample } of history) assert.deepEqual(findSampleIssues(samplerTestSpace, sample), [], JSON.stringify(sample));
    const tpeExperts = history.slice(5).filter((t) => t.sample.experts !== undefined);
    assert.ok(tpeExperts.length > 0, 'the conditional branch is still explored');
  });

  void it('is deterministic: same seed and same history give the same samples', () => {
    const history = tpeRuns[0]!.slice(0, 30);
    const draw = (seed: number) => {
      const sampler = createTpeSampler(seed);
      return [sampler.sample(toySpace, history), sampler.sample(toySpace, history)];
    };
    const [first, second] = draw(4);
    assert.deepEqual(draw(4), [first, second]);
    assert.notDeepEqual(first, second, 'successive calls (parallel trials) differ');
    assert.notDeepEqual(draw(5)[0], first);
    assert.deepEqual(runSearch(createTpeSampler(1), toySpace, 60, toyScore), tpeRuns[0]);
  });

  void it('ignores past values that do not fit the current space', () => {
    const foreign: SampledTrial[] = Array.from({ length: 10 }, (_, i) => ({
      sample: { learningRate: 5, dropout: -1, batchSize: 1024, weighting: 'gradnorm', taskWeights: { a: 1 } },
      score: i,
    }));
    const sample = createTpeSampler(1, { startupTrials: 2 }).sample(toySpace, [...foreign, ...tpeRuns[0]!.slice(0, 5)]);
    assert.deepEqual(findSampleIssues(toySpace, sample), []);
  });
});
