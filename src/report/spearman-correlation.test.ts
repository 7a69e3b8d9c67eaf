import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computePearson, computeSpearman, rankWithTies } from './spearman-correlation.ts';

describe('Spearman rank correlation', () => {
  it('ranks ascending from 1 and averages the ranks of ties', () => {
    assert.deepEqual(rankWithTies([30, 10, 20]), [3, 1, 2]);
    assert.deepEqual(rankWithTies([5, 1, 5, 3, 5]), [4, 1, 4, 2, 4]);
    assert.deepEqual(rankWithTies([]), []);
  });

  it('is ±1 for any monotone relation, not only a linear one', () => {
    const xs = [1, 2, 3, 4, 5, 6];
    assert.equal(computeSpearman(xs, xs.map((x) => Math.exp(x))), 1);
    assert.equal(computeSpearman(xs, xs.map((x) => -(x ** 3))), -1);
    assert.ok((computePearson(xs, xs.map((x) => Math.exp(x))) as number) < 0.95, 'Pearson is not');
  });

  it('matches the textbook value with ties', () => {
    // Ranks 1 2.5 2.5 4 5 and 2 1 3.5 3.5 5: Σdx·dy = 7.25, Σdx² = Σdy² = 9.5, so ρ = 7.25 / 9.5 (scipy's spearmanr agrees).
    assert.ok(Math.abs((computeSpearman([1, 2, 2, 3, 4], [2, 1, 3, 3, 5]) as number) - 7.25 / 9.5) < 1e-12);
  });

  it('is null for a constant sample or fewer than two pairs, and refuses unequal lengths', () => {
    assert.equal(computeSpearman([1, 1, 1], [1, 2, 3]), null);
    assert.equal(computeSpearman([1], [2]), null);
    assert.throws(() => computeSpearman([1, 2], [1]), RangeError);
  });
});
