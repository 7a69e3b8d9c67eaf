import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { describePsi, renderScoreStabilityTable } from './score-stability-table.ts';

describe('score stability table', () => {
  it("shows each task's training-vs-test PSI with a verdict", () => {
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const baseline: StabilityBaseline = {
      version: 1,
      rows: { train: 100, heldOut: 40, test: 20 },
      features: {},
      scores: {
        churn: { edges, heldOut: new Array(10).fill(4), train: new Array(10).fill(10), test: new Array(10).fill(2) },
        // All test rows in decile 10: (0.91·ln(10) ... ) far above 0.2.
        spend: { edges, heldOut: new Array(10).fill(4), train: new Array(10).fill(10), test: [0, 0, 0, 0, 0, 0, 0, 0, 0, 20] },
      },
    };
    const html = renderScoreStabilityTable(baseline);
    assert.match(html, /<tr><td>churn<\/td><td class="num">0\.0000<\/td><td>stable<\/td><\/tr>/);
    assert.match(html, /<tr><td>spend<\/td><td class="num">[1-9]\.\d{4}<\/td><td>shifted<\/td><\/tr>/);
    assert.match(renderScoreStabilityTable(undefined), /no stability\.json/);
    assert.deepEqual([0.05, 0.15, 0.2, 0.21].map(describePsi), ['stable', 'moderate shift', 'moderate shift', 'shifted']);
  });
});
