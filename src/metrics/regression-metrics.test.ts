import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeRegressionMetrics } from './regression-metrics.ts';

void describe('regression-metrics', () => {
  void it('rmse, mae and r2 of a small example', () => {
    // Errors 0, 0, −2; label mean 8/3, SS_tot = 78/9, SS_res = 4 → r2 = 1 − 36/78 = 7/13.
    const metrics = computeRegressionMetrics([1, 2, 3], Float32Array.from([1, 2, 5]));
    assert.ok(Math.abs((metrics.rmse ?? Number.NaN) - Math.sqrt(4 / 3)) < 1e-12);
    assert.ok(Math.abs((metrics.mae ?? Number.NaN) - 2 / 3) < 1e-12);
    assert.ok(Math.abs((metrics.r2 ?? Number.NaN) - 7 / 13) < 1e-12);
  });

  void it('perfect predictions give r2 1; predicting the mean gives 0', () => {
    assert.deepEqual(computeRegressionMetrics([1, 2, 3], [1, 2, 3]), { rmse: 0, mae: 0, r2: 1 });
    assert.equal(computeRegressionMetrics([2, 2, 2], [1, 2, 3]).r2, 0);
  });

  void it('r2 is null for constant labels, even when their mean rounds', () => {
    const metrics = computeRegressionMetrics([0.2, 0.1, 0.1], [0.1, 0.1, 0.1]);
    assert.equal(metrics.r2, null);
    assert.ok(Math.abs((metrics.mae ?? Number.NaN) - 0.1 / 3) < 1e-12);
  });

  void it('no rows gives nulls; bad input throws', () => {
    assert.deepEqual(computeRegressionMetrics([], []), { rmse: null, mae: null, r2: null });
    assert.throws(() => computeRegressionMetrics([1, Infinity], [1, 2]), /predictions\[1\] is Infinity/);
  });
});
