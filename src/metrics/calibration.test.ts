import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeBrier, computeEce, computeLogLoss } from './calibration.ts';

function assertClose(actual: number | null, expected: number, tolerance = 1e-12): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < tolerance, `${actual} vs ${expected}`);
}

void describe('calibration', () => {
  void it('log loss is the mean binary cross-entropy', () => {
    assertClose(computeLogLoss([0.8, 0.3], [1, 0]), -(Math.log(0.8) + Math.log(0.7)) / 2);
  });

  void it('log loss clips certain mistakes to 1e-7', () => {
    assertClose(computeLogLoss([0, 1], [1, 0]), -Math.log(1e-7), 1e-6);
    assertClose(computeLogLoss([1, 0], [1, 0]), -Math.log(1 - 1e-7), 1e-9);
  });

  void it('brier score is the mean squared error of the probabilities', () => {
    assertClose(computeBrier([0.8, 0.3], [1, 0]), (0.04 + 0.09) / 2);
    assert.equal(computeBrier([1, 0], [1, 0]), 0);
  });

  void it('ece weighs the gap of each bin by its share of rows', () => {
    // Bin [0.1, 0.2): accuracy 0.5, confidence 0.1; bin [0.9, 1]: accuracy 1, confidence 0.9 → 0.5·0.4 + 0.5·0.1.
    assertClose(computeEce([0.1, 0.1, 0.9, 0.9], [0, 1, 1, 1]), 0.25);
    // Calibrated within the bin.
    assertClose(computeEce([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]), 0);
    // p = 1 falls into the last bin rather than past it.
    assert.equal(computeEce([1], [0]), 1);
    assertClose(computeEce([1, 0.95], [1, 1]), 0.025);
  });

  void it('no rows gives null', () => {
    assert.equal(computeLogLoss([], []), null);
    assert.equal(computeBrier([], []), null);
    assert.equal(computeEce([], []), null);
  });
});
