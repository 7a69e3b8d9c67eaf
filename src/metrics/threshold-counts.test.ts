import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeThresholdCounts, orderByDescendingScore } from './threshold-counts.ts';

void describe('threshold-counts', () => {
  void it('groups tied scores into one threshold with cumulative counts', () => {
    const counts = computeThresholdCounts([0.5, 0.9, 0.5, 0.1], [1, 0, 0, 1]);
    assert.deepEqual([...counts.thresholds], [0.9, 0.5, 0.1]);
    assert.deepEqual([...counts.truePositives], [0, 1, 2]);
    assert.deepEqual([...counts.falsePositives], [1, 2, 2]);
    assert.equal(counts.positives, 2);
    assert.equal(counts.negatives, 2);
  });

  void it('orders rows by descending score, ties in row order', () => {
    assert.deepEqual([...orderByDescendingScore([0.2, 0.7, 0.2, 1])], [3, 1, 0, 2]);
  });

  void it('rejects misaligned, non-finite or non-binary input, naming the row', () => {
    assert.throws(() => computeThresholdCounts([0.1, 0.2], [1]), /2 scores but 1 labels/);
    assert.throws(() => computeThresholdCounts([0.1, NaN], [1, 0]), /scores\[1\] is NaN/);
    assert.throws(() => computeThresholdCounts([0.1, 0.2], [1, 2]), /labels\[1\] is 2, expected 0 or 1/);
  });
});
