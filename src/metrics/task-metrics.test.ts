import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { evaluateBinaryTask, evaluateRegressionTask } from './task-metrics.ts';

void describe('task-metrics', () => {
  void it('a binary task carries every SPEC §5 metric', () => {
    const metrics = evaluateBinaryTask([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.35);
    assert.equal(metrics.type, 'binary');
    assert.equal(metrics.auc, 0.75);
    assert.ok(Math.abs((metrics.prAuc ?? 0) - 5 / 6) < 1e-12);
    assert.ok(Math.abs(metrics.f1 - 0.8) < 1e-12);
    assert.ok(Math.abs(metrics.precision - 2 / 3) < 1e-12);
    assert.equal(metrics.recall, 1);
    const logLoss = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4;
    assert.ok(Math.abs((metrics.logLoss ?? 0) - logLoss) < 1e-12);
    assert.ok(Math.abs((metrics.brier ?? 0) - (0.01 + 0.16 + 0.4225 + 0.04) / 4) < 1e-12);
    // Bins: 0.1 → |0 − 0.1|, 0.35 → |1 − 0.35|, 0.4 → |0 − 0.4|, 0.8 → |1 − 0.8|, each a quarter of the rows.
    assert.ok(Math.abs((metrics.ece ?? 0) - (0.1 + 0.65 + 0.4 + 0.2) / 4) < 1e-12);
    assert.equal(metrics.threshold, 0.35);
    assert.equal(metrics.rows, 4);
    assert.equal(metrics.positives, 2);
    assert.doesNotThrow(() => JSON.stringify(metrics));
  });

  void it('a binary task with one class reports null auc and 0 f1', () => {
    const metrics = evaluateBinaryTask([0.2, 0.6], [0, 0], 0.5);
    assert.equal(metrics.auc, null);
    assert.equal(metrics.prAuc, null);
    assert.equal(metrics.f1, 0);
    assert.equal(metrics.positives, 0);
  });

  void it('a regression task scores the prediction against label > positiveAbove', () => {
    // Events [1, 0, 1, 0]; decisions (prediction > 0) [1, 0, 1, 0]; a prediction or label of exactly 0 is not above.
    const metrics = evaluateRegressionTask([0.5, 0, 2, -0.1], [1, 0, 3, 0], 0);
    assert.equal(metrics.type, 'regression');
    assert.equal(metrics.auc, 1);
    assert.equal(metrics.f1, 1);
    assert.equal(metrics.positives, 2);
    assert.equal(metrics.rows, 4);
    assert.equal(metrics.positiveAbove, 0);
    assert.ok(Math.abs((metrics.mae ?? 0) - (0.5 + 0 + 1 + 0.1) / 4) < 1e-12);
    assert.ok(Math.abs((metrics.rmse ?? 0) - Math.sqrt((0.25 + 0 + 1 + 0.01) / 4)) < 1e-12);
    assert.ok(metrics.r2 !== null && metrics.r2 < 1);

    const shifted = evaluateRegressionTask([0.5, -0.2, 2, 0.1], [1, 0, 3, 0], 0);
    // Decisions [1, 0, 1, 1]: TP 2, FP 1, FN 0.
    assert.ok(Math.abs(shifted.f1 - 0.8) < 1e-12);
    assert.equal(shifted.auc, 1);
  });

  void it('a regression task whose labels never pass positiveAbove has null auc', () => {
    const metrics = evaluateRegressionTask([1, 2], [1, 2], 5);
    assert.equal(metrics.auc, null);
    assert.equal(metrics.f1, 0);
    assert.equal(metrics.r2, 1);
  });

  void it('100k rows evaluate without trouble', () => {
    const random = createSeededRandom(9);
    const n = 100_000;
    const scores = new Float32Array(n);
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = random.next();
      labels[i] = random.next() < (scores[i] as number) ? 1 : 0;
    }
    const metrics = evaluateBinaryTask(scores, labels, 0.5);
    // Labels drawn with P(y = 1 | s) = s: auc is 5/6 in expectation and the model is calibrated.
    assert.ok(metrics.auc !== null && Math.abs(metrics.auc - 5 / 6) < 0.01, String(metrics.auc));
    assert.ok(metrics.ece !== null && metrics.ece < 0.02, String(metrics.ece));
  });
});
