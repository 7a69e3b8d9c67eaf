import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { chooseF1Threshold, computeThresholdMetrics } from './threshold-metrics.ts';

const scores = [0.1, 0.4, 0.35, 0.8];
const labels = [0, 0, 1, 1];

void describe('threshold-metrics', () => {
  void it('a score equal to the threshold is predicted positive', () => {
    // Predicted: 0.4 (−), 0.35 (+), 0.8 (+): TP 2, FP 1, FN 0.
    const metrics = computeThresholdMetrics(scores, labels, 0.35);
    assert.ok(Math.abs(metrics.precision - 2 / 3) < 1e-12);
    assert.equal(metrics.recall, 1);
    assert.ok(Math.abs(metrics.f1 - 0.8) < 1e-12);
  });

  void it('undefined ratios are 0', () => {
    assert.deepEqual(computeThresholdMetrics(scores, labels, 0.9), { f1: 0, precision: 0, recall: 0 });
    assert.deepEqual(computeThresholdMetrics([0.7, 0.2], [0, 0], 0.5), { f1: 0, precision: 0, recall: 0 });
    assert.deepEqual(computeThresholdMetrics([], [], 0.5), { f1: 0, precision: 0, recall: 0 });
  });

  void it('chooses the distinct score with the best F1', () => {
    // F1 at 0.8: 2/3, at 0.4: 1/2, at 0.35: 4/5, at 0.1: 2/3.
    assert.equal(chooseF1Threshold(scores, labels), 0.35);
  });

  void it('among equal F1 the higher threshold wins', () => {
    // F1 at 0.9: 2/3, 0.8: 1/2, 0.7: 2/5, 0.6: 2/3.
    assert.equal(chooseF1Threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 0, 1]), 0.9);
  });

  void it('no positive row (or no row) gives 0.5', () => {
    assert.equal(chooseF1Threshold([0.2, 0.9], [0, 0]), 0.5);
    assert.equal(chooseF1Threshold([], []), 0.5);
  });

  void it('the chosen threshold matches a brute-force search on random rows', () => {
    const random = createSeededRandom(3);
    const s = Float32Array.from({ length: 300 }, () => random.int(40) / 40);
    const y = Float64Array.from(s, (v) => (random.next() < v ? 1 : 0));
    let best = -1;
    let bestThreshold = Number.NaN;
    for (const candidate of [...new Set(s)].sort((a, b) => b - a)) {
      const { f1 } = computeThresholdMetrics(s, y, candidate);
      if (f1 > best) [best, bestThreshold] = [f1, candidate];
    }
    const chosen = chooseF1Threshold(s, y);
    assert.equal(chosen, bestThreshold);
    assert.equal(computeThresholdMetrics(s, y, chosen).f1, best);
  });
});
