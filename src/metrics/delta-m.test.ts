import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDeltaM } from './delta-m.ts';
import type { BinaryTaskMetrics, RegressionTaskMetrics } from './task-metrics.ts';

function binary(auc: number | null, f1: number): BinaryTaskMetrics {
  return {
    type: 'binary', auc, f1, prAuc: null, precision: 0, recall: 0, logLoss: null, brier: null, ece: null,
    threshold: 0.5, rows: 10, positives: 5,
  };
}

function regression(rmse: number | null, auc: number | null): RegressionTaskMetrics {
  return { type: 'regression', rmse, auc, f1: 0.5, mae: 1, r2: 0, positiveAbove: 0, rows: 10, positives: 5 };
}

const types = { churn: 'binary', spend: 'regression' } as const;

void describe('delta-m', () => {
  void it('Δm averages relative gains, counting a lower rmse as a gain', () => {
    const baseline = { churn: binary(0.8, 0.5), spend: regression(1, 0.6) };
    const model = { churn: binary(0.88, 0.5), spend: regression(0.9, 0.66) };
    // auc +0.1, f1 0, rmse −10 % → +0.1, auc +0.1: mean 0.075.
    assert.ok(Math.abs((computeDeltaM(model, baseline, types) ?? 0) - 0.075) < 1e-12);
  });

  void it('a higher rmse counts against the model', () => {
    const baseline = { spend: regression(1, 0.6) };
    const model = { spend: regression(1.1, 0.6) };
    // rmse +10 % → −0.1, auc 0: mean −0.05.
    assert.ok(Math.abs((computeDeltaM(model, baseline, { spend: 'regression' }) ?? 0) + 0.05) < 1e-12);
  });

  void it('the baseline against itself is 0', () => {
    const baseline = { churn: binary(0.8, 0.5), spend: regression(1, 0.6) };
    assert.equal(computeDeltaM(baseline, baseline, types), 0);
  });

  void it('pairs with a null or zero baseline, or a missing task, are skipped', () => {
    const baseline = { churn: binary(null, 0), spend: regression(2, null) };
    const model = { churn: binary(0.9, 0.7), spend: regression(1, 0.7) };
    // Only spend's rmse is left: −(1 − 2) / 2 = 0.5.
    assert.equal(computeDeltaM(model, baseline, types), 0.5);
    assert.equal(computeDeltaM({}, baseline, types), null);
    assert.equal(computeDeltaM(model, { churn: binary(null, 0) }, types), null);
  });
});
