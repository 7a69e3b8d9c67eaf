import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignDecile, computeDecileEdges } from './decile.ts';

void describe('decile', () => {
  void it('edges are the 10 %…90 % quantiles with linear interpolation', () => {
    assert.deepEqual(
      computeDecileEdges([10, 0, 9, 1, 8, 2, 7, 3, 6, 4, 5]),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    // Scores 1..10: position 0.9·d between order statistics → 1.9, 2.8, …, 9.1.
    const edges = computeDecileEdges(Float32Array.from({ length: 10 }, (_, i) => i + 1));
    const expected = [1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1];
    edges.forEach((edge, d) => assert.ok(Math.abs(edge - (expected[d] as number)) < 1e-9, `${edge}`));
    assert.deepEqual(computeDecileEdges([0.3]), Array(9).fill(0.3));
  });

  void it('deciles run from 1 (lowest) to 10 (highest); an edge belongs to the decile above', () => {
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.equal(assignDecile(0, edges), 1);
    assert.equal(assignDecile(0.999, edges), 1);
    assert.equal(assignDecile(1, edges), 2);
    assert.equal(assignDecile(5.5, edges), 6);
    assert.equal(assignDecile(8.999, edges), 9);
    assert.equal(assignDecile(9, edges), 10);
    assert.equal(assignDecile(100, edges), 10);
    assert.equal(assignDecile(-Infinity, edges), 1);
  });

  void it('100 distinct scores fall ten to a decile', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i);
    const edges = computeDecileEdges(scores);
    const counts = new Array<number>(10).fill(0);
    for (const score of scores) counts[assignDecile(score, edges) - 1]! += 1;
    assert.deepEqual(counts, Array(10).fill(10));
    assert.equal(assignDecile(99, edges), 10);
    assert.equal(assignDecile(0, edges), 1);
  });

  void it('bad input throws', () => {
    assert.throws(() => computeDecileEdges([]), /no scores/);
    assert.throws(() => computeDecileEdges([0.1, NaN]), /NaN/);
    assert.throws(() => assignDecile(0.5, [0.1, 0.2]), /expected 9 edges/);
    assert.throws(() => assignDecile(NaN, [1, 2, 3, 4, 5, 6, 7, 8, 9]), /NaN/);
  });
});
