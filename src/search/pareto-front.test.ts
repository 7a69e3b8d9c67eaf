import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeParetoFront, type ParetoPoint } from './pareto-front.ts';

describe('computeParetoFront', () => {
  it('keeps exactly the non-dominated trials', () => {
    const points: ParetoPoint[] = [
      { trialId: 'a', aucs: { x: 0.8, y: 0.7 } },
      { trialId: 'b', aucs: { x: 0.7, y: 0.8 } },
      { trialId: 'c', aucs: { x: 0.7, y: 0.7 } }, // dominated by a and b
      { trialId: 'd', aucs: { x: 0.8, y: 0.7 } }, // ties a: neither dominates
      { trialId: 'e', aucs: { x: 0.9 } }, // missing y: left out
    ];
    assert.deepEqual(computeParetoFront(points, ['x', 'y']).map((p) => p.trialId), ['a', 'b', 'd']);
  });
});
