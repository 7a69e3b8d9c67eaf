import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeCombinedScore } from './combined-score.ts';
import type { BinaryTaskMetrics, RegressionTaskMetrics } from './task-metrics.ts';

function binary(auc: number | null, f1: number): BinaryTaskMetrics {
  return {
    type: 'binary', auc, f1, prAuc: null, precision: 0, recall: 0, logLoss: null, brier: null, ece: null,
    threshold: 0.5, rows: 10, positives: 5,
  };
}

function regression(auc: number | null, f1: number): RegressionTaskMetrics {
  return { type: 'regression', auc, f1, rmse: 1, mae: 1, r2: 0, positiveAbove: 0, rows: 10, positives: 5 };
}

void describe('combined-score', () => {
  void it('combined score is the weighted mean of (auc + f1) / 2', () => {
    const tasks = { churn: binary(0.8, 0.6), spend: regression(0.6, 0.4) };
    // (0.7 + 0.5) / 2 unweighted; (3·0.7 + 0.5) / 4 with churn weighted 3.
    assert.ok(Math.abs((computeCombinedScore(tasks, {}) ?? 0) - 0.6) < 1e-12);
    assert.ok(Math.abs((computeCombinedScore(tasks, { churn: 3 }) ?? 0) - 0.65) < 1e-12);
    assert.ok(Math.abs((computeCombinedScore(tasks, { spend: 0 }) ?? 0) - 0.7) < 1e-12);
  });

  void it('tasks without auc are skipped and the weights renormalised', () => {
    const tasks = { churn: binary(0.8, 0.6), empty: binary(null, 0) };
    assert.ok(Math.abs((computeCombinedScore(tasks, { empty: 5 }) ?? 0) - 0.7) < 1e-12);
  });

  void it('null when no task is left', () => {
    assert.equal(computeCombinedScore({}, {}), null);
    assert.equal(computeCombinedScore({ empty: binary(null, 0) }, {}), null);
    assert.equal(computeCombinedScore({ churn: binary(0.8, 0.6) }, { churn: 0 }), null);
  });
});
