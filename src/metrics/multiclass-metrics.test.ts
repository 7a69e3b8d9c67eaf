import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TandemError } from '../errors/tandem-error.ts';
import { computeCombinedScore } from './combined-score.ts';
import { argmaxOfRow, evaluateMulticlassTask } from './multiclass-metrics.ts';

const close = (actual: number | null, expected: number, message?: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${message ?? ''} ${actual} vs ${expected}`);
};

void describe('evaluateMulticlassTask', () => {
  // Rows (a, b, c probabilities) and labels; argmax: a, b, c, c.
  const probabilities = [0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.3, 0.3, 0.4];
  const labels = [0, 1, 1, 2];

  void it('macro-averages one-vs-rest auc and argmax f1, with accuracy and log loss (hand-computed)', () => {
    const metrics = evaluateMulticlassTask(probabilities, labels, ['a', 'b', 'c']);
    assert.equal(metrics.type, 'multiclass');
    assert.equal(metrics.rows, 4);
    assert.deepEqual(metrics.classes, ['a', 'b', 'c']);
    // a: 0.7 outranks every other row → 1. b: positives 0.5, 0.3 vs negatives 0.2, 0.3 → (1 + 1 + 1 + ½) / 4.
    // c: positive 0.4 vs negatives 0.1, 0.3, 0.6 → 2/3.
    close(metrics.perClass.a?.auc ?? null, 1, 'a auc');
    close(metrics.perClass.b?.auc ?? null, 0.875, 'b auc');
    close(metrics.perClass.c?.auc ?? null, 2 / 3, 'c auc');
    close(metrics.auc, (1 + 0.875 + 2 / 3) / 3, 'macro auc');
    // a: TP 1 → 1. b: TP 1, FN 1 → 2/3. c: TP 1, FP 1 → 2/3.
    close(metrics.perClass.a?.f1 ?? null, 1, 'a f1');
    close(metrics.perClass.b?.f1 ?? null, 2 / 3, 'b f1');
    close(metrics.perClass.c?.f1 ?? null, 2 / 3, 'c f1');
    close(metrics.f1, 7 / 9, 'macro f1');
    assert.deepEqual(
      Object.values(metrics.perClass).map((m) => m.support),
      [1, 2, 1],
    );
    assert.equal(metrics.accuracy, 0.75);
    close(metrics.logLoss, -(Math.log(0.7) + Math.log(0.5) + Math.log(0.3) + Math.log(0.4)) / 4, 'log loss');
    assert.doesNotThrow(() => JSON.stringify(metrics));
    // The combined score reads auc and f1 as for a binary task.
    close(computeCombinedScore({ tier: metrics }), ((1 + 0.875 + 2 / 3) / 3 + 7 / 9) / 2, 'combined');
  });

  void it('leaves a class that is neither labelled nor predicted out of the macro averages', () => {
    const metrics = evaluateMulticlassTask(Float32Array.from([0.6, 0.3, 0.1, 0.2, 0.7, 0.1]), Float32Array.from([0, 1]), ['a', 'b', 'c']);
    assert.equal(metrics.perClass.c?.auc, null);
    assert.equal(metrics.perClass.c?.support, 0);
    assert.equal(metrics.auc, 1);
    assert.equal(metrics.f1, 1);
    assert.equal(metrics.accuracy, 1);
  });

  void it('counts a predicted class without labelled rows as f1 0 in the macro average', () => {
    // Labels a, a; argmax a, c: a has TP 1, FN 1 → 2/3; c has FP 1 → 0; b takes no part.
    const metrics = evaluateMulticlassTask([0.6, 0.3, 0.1, 0.2, 0.1, 0.7], [0, 0], ['a', 'b', 'c']);
    close(metrics.f1, 1 / 3);
    assert.equal(metrics.auc, null, 'one labelled class: no class has both positives and negatives');
  });

  void it('reports null auc, accuracy and log loss and 0 f1 without rows', () => {
    const metrics = evaluateMulticlassTask([], [], ['a', 'b']);
    assert.deepEqual(
      { auc: metrics.auc, f1: metrics.f1, accuracy: metrics.accuracy, logLoss: metrics.logLoss, rows: metrics.rows },
      { auc: null, f1: 0, accuracy: null, logLoss: null, rows: 0 },
    );
    assert.deepEqual(metrics.perClass, { a: { auc: null, f1: 0, support: 0 }, b: { auc: null, f1: 0, support: 0 } });
  });

  void it('rejects misaligned shapes, labels that are not class indices and non-finite probabilities', () => {
    assert.throws(() => evaluateMulticlassTask([0.5, 0.5, 0.5], [0], ['a', 'b']), (e) => e instanceof TandemError && /3 probabilities for 1 labels of 2 classes/.test(e.message));
    assert.throws(() => evaluateMulticlassTask([0.5, 0.5], [2], ['a', 'b']), /labels\[0\] is 2, expected a class index 0\.\.1/);
    assert.throws(() => evaluateMulticlassTask([0.5, 0.5], [0.5], ['a', 'b']), /labels\[0\] is 0\.5/);
    assert.throws(() => evaluateMulticlassTask([Number.NaN, 0.5], [0], ['a', 'b']), /probabilities\[0\] is NaN/);
  });
});

void describe('argmaxOfRow', () => {
  void it('picks the largest probability of a row, the lower index on ties', () => {
    assert.equal(argmaxOfRow([0.1, 0.9, 0.4, 0.4, 0.2, 0.3], 0, 3), 1);
    assert.equal(argmaxOfRow([0.1, 0.9, 0.4, 0.4, 0.2, 0.3], 1, 3), 0);
  });
});
