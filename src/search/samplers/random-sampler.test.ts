import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSampleIssues, type Sample } from '../search-space.ts';
import { createRandomSampler } from './random-sampler.ts';
import { samplerTestSpace as space } from './sampler-test-space.ts';

function drawMany(seed: number, count: number): Sample[] {
  const sampler = createRandomSampler(seed);
  return Array.from({ length: count }, () => sampler.sample(space, []));
}

describe('createRandomSampler', () => {
  const samples = drawMany(1, 600);

  void it('respects bounds, steps, choices and conditions (inactive parameters absent)', () => {
    for (const sample of samples) assert.deepEqual(findSampleIssues(space, sample), [], JSON.stringify(sample));
    for (const sample of samples) {
      assert.equal('experts' in sample, sample.arch === 'mmoe');
      assert.equal('expertWidth' in sample, typeof sample.experts === 'number' && sample.experts >= 4);
      assert.equal('taskWeights' in sample, sample.weighting === 'fixed');
    }
  });

  void it('covers every grid value and every choice', () => {
    assert.deepEqual([...new Set(samples.map((s) => s.epochs))].sort((a, b) => Number(a) - Number(b)), [10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    assert.equal(new Set(samples.map((s) => JSON.stringify(s.extra))).size, 4);
  });

  void it('draws log parameters log-uniformly', () => {
    const belowGeometricMean = samples.filter((s) => (s.learningRate as number) < 1e-3).length / samples.length;
    assert.ok(Math.abs(belowGeometricMean - 0.5) < 0.07, `share below 1e-3: ${belowGeometricMean}`);
    const widths = samples.flatMap((s) => (typeof s.expertWidth === 'number' ? [s.expertWidth] : []));
    const belowMiddle = widths.filter((w) => w <= 32).length / widths.length;
    assert.ok(belowMiddle > 0.4 && belowMiddle < 0.65, `share of log-int widths <= 32: ${belowMiddle} of ${widths.length}`);
  });

  void it('draws task weights on the simplex, one per task, with a flat Dirichlet mean', () => {
    const weights = samples.flatMap((s) => (s.taskWeights === undefined ? [] : [s.taskWeights as Record<string, number>]));
    assert.ok(weights.length > 200);
    for (const w of weights) {
      assert.deepEqual(Object.keys(w), ['churn', 'xsell', 'spend']);
      assert.ok(Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    }
    const meanChurn = weights.reduce((sum, w) => sum + (w.churn ?? NaN), 0) / weights.length;
    assert.ok(Math.abs(meanChurn - 1 / 3) < 0.04, `mean churn weight ${meanChurn}`);
  });

  void it('is deterministic per seed and differs between seeds', () => {
    assert.deepEqual(drawMany(1, 20), samples.slice(0, 20));
    assert.notDeepEqual(drawMany(2, 20), samples.slice(0, 20));
    assert.notDeepEqual(samples[0], samples[1], 'successive calls differ');
  });
});
