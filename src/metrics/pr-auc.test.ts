import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computePrAuc, computePrCurve } from './pr-auc.ts';

const scores = [0.1, 0.4, 0.35, 0.8];
const labels = [0, 0, 1, 1];

void describe('pr-auc', () => {
  void it('average precision of the scikit-learn example is 0.8333…', () => {
    // Thresholds 0.8 (R .5, P 1) and 0.35 (R 1, P 2/3): 0.5·1 + 0.5·2/3.
    const ap = computePrAuc(scores, labels);
    assert.ok(ap !== null && Math.abs(ap - 5 / 6) < 1e-12, String(ap));
  });

  void it('tied scores form one step, not an optimistic order', () => {
    // One group: P = 1/3 at R = 1.
    const ap = computePrAuc([0.5, 0.5, 0.5], [1, 0, 0]);
    assert.ok(ap !== null && Math.abs(ap - 1 / 3) < 1e-12, String(ap));
    // Group {0.9: +}, then {0.5: +, −}: 0.5·1 + 0.5·2/3.
    const mixed = computePrAuc([0.9, 0.5, 0.5], [1, 1, 0]);
    assert.ok(mixed !== null && Math.abs(mixed - 5 / 6) < 1e-12, String(mixed));
  });

  void it('perfect ranking and all-positive rows give 1; no positive gives null', () => {
    assert.equal(computePrAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
    assert.equal(computePrAuc([0.1, 0.2], [1, 1]), 1);
    assert.equal(computePrAuc([0.1, 0.2], [0, 0]), null);
    assert.equal(computePrAuc([], []), null);
  });

  void it('precision–recall curve starts at (0, 1) and visits every distinct score', () => {
    assert.deepEqual(computePrCurve(scores, labels), {
      recall: [0, 0.5, 0.5, 1, 1],
      precision: [1, 1, 0.5, 2 / 3, 0.5],
    });
    assert.equal(computePrCurve([0.4], [0]), null);
    const long = computePrCurve(
      Array.from({ length: 1000 }, (_, i) => i / 1000),
      Array.from({ length: 1000 }, (_, i) => i % 2),
      20,
    );
    assert.equal(long?.recall.length, 20);
    assert.equal(long?.recall.at(-1), 1);
  });
});
