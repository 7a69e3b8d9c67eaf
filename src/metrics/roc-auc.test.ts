import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { computeAuc, computeRocCurve } from './roc-auc.ts';

const scores = [0.1, 0.4, 0.35, 0.8];
const labels = [0, 0, 1, 1];

/** The definition: share of (positive, negative) pairs the positive wins, ties half. O(n²). */
function pairwiseAuc(s: ArrayLike<number>, y: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      const si = s[i] as number;
      const sj = s[j] as number;
      wins += si > sj ? 1 : si === sj ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

void describe('roc-auc', () => {
  void it('auc of the scikit-learn example is 0.75', () => {
    assert.equal(computeAuc(scores, labels), 0.75);
    assert.equal(computeAuc(Float64Array.from(scores), Float32Array.from(labels)), 0.75);
  });

  void it('a tie between a positive and a negative counts one half', () => {
    assert.equal(computeAuc([0.5, 0.5], [0, 1]), 0.5);
    assert.equal(computeAuc([0.5, 0.5, 0.9], [0, 1, 1]), 0.75);
  });

  void it('perfect ranking is 1, reversed ranking is 0', () => {
    assert.equal(computeAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
    assert.equal(computeAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
  });

  void it('auc is null with one class or no rows', () => {
    assert.equal(computeAuc([0.1, 0.9], [1, 1]), null);
    assert.equal(computeAuc([0.1, 0.9], [0, 0]), null);
    assert.equal(computeAuc([], []), null);
  });

  void it('auc equals the pairwise count on random rows with many ties', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = createSeededRandom(seed);
      const s = new Float32Array(200);
      const y = new Float64Array(200);
      for (let i = 0; i < 200; i++) {
        s[i] = random.int(15) / 15; // 15 distinct values over 200 rows: ties everywhere
        y[i] = random.next() < 0.2 + 0.5 * (s[i] as number) ? 1 : 0;
      }
      const expected = pairwiseAuc(s, y);
      const actual = computeAuc(s, y);
      assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `seed ${seed}: ${actual} vs ${expected}`);
    }
  });

  void it('roc curve runs from (0, 0) through every distinct score to (1, 1)', () => {
    assert.deepEqual(computeRocCurve(scores, labels), {
      fpr: [0, 0, 0.5, 0.5, 1],
      tpr: [0, 0.5, 0.5, 1, 1],
    });
    assert.equal(computeRocCurve([0.3], [1]), null);
  });

  void it('roc curve is cut down to maxPoints and stays monotone', () => {
    const random = createSeededRandom(11);
    const s = Float64Array.from({ length: 5000 }, () => random.next());
    const y = Float64Array.from(s, (v) => (random.next() < v ? 1 : 0));
    const curve = computeRocCurve(s, y, 50);
    assert.ok(curve !== null);
    assert.equal(curve.fpr.length, 50);
    assert.equal(curve.tpr.length, 50);
    assert.deepEqual([curve.fpr[0], curve.tpr[0], curve.fpr.at(-1), curve.tpr.at(-1)], [0, 0, 1, 1]);
    for (let k = 1; k < 50; k++) {
      assert.ok((curve.fpr[k] as number) >= (curve.fpr[k - 1] as number));
      assert.ok((curve.tpr[k] as number) >= (curve.tpr[k - 1] as number));
    }
  });
});
